// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

extension OBuilderBuilder {
    /// The snapshot of a registry image: resolved to its digest on every build (a tag may move),
    /// fetched only when no snapshot of that digest exists yet. Concurrent builds of one image
    /// fetch it once (the store makes later requests for the id wait for the first).
    func fetchedBase(
        _ name: String,
        fetcher: any ImageFetcher,
        context: BuildContext
    ) async throws(OBuilderError) -> String {
        let log = context.log
        let reference = try ImageReference(parsing: name)
        let image = try await fetcher.resolve(reference, log: log)
        let key = SExpression.list([.list([.atom("from-image"), .atom(image.digest)])])
        let id = SHA256Hasher.hex(key.description)
        let scratch = store.root + "/tmp"
        let origin = try await store.build(
            id: id,
            parent: nil,
            environment: image.environment,
            lease: context.lease
        ) { (step) throws(OBuilderError) in
            let stepLog = StepLog(file: step.logFile, log: log)
            defer { stepLog.close() }
            let start = Self.monotonicSeconds()
            log(.note("Fetching \(image.reference)"))
            try await fetcher.fetch(image, into: step.rootfs, scratch: scratch) { event in
                if case .output(let line) = event { stepLog.line(line) } else { log(event) }
            }
            let seconds = Self.monotonicSeconds() - start
            log(.note("Fetched \(image.reference) in \(Double(Int(seconds * 10)) / 10) s"))
        }
        await report(origin, id: id, log: log)
        return id
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
