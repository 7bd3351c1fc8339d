// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

extension OBuilderBuilder {
    /// The snapshot of a registry image: resolved to its digest on every build (a tag may move),
    /// fetched only when no snapshot of that digest exists yet. Concurrent builds of one image
    /// fetch it once (the store makes later requests for the id wait for the first).
    ///
    /// When the registry cannot be reached, the snapshot this name last resolved to is used if
    /// the store still has it (recorded in `STORE/images/`), so that an outage does not stop
    /// builds an unfetched image would not (ocluster keys images by name and never asks again).
    func fetchedBase(
        _ name: String,
        fetcher: any ImageFetcher,
        context: BuildContext
    ) async throws(OBuilderError) -> String {
        let log = context.log
        let reference = try ImageReference(parsing: name)
        let record = store.root + "/images/" + SHA256Hasher.hex(name)
        let image: ResolvedImage
        do throws(OBuilderError) {
            image = try await fetcher.resolve(reference, log: log)
        } catch {
            guard error.code == .imageFetch,
                let id = OBuilderFileSystem.readText(record)?.split(separator: "\n").first.map(String.init),
                await store.contains(id)
            else { throw error }
            log(.note("\(error.message); using the image \(name) resolved to before"))
            let origin = try await store.build(id: id, parent: nil, lease: context.lease) { (_) throws(OBuilderError) in
                throw error
            }
            await report(origin, id: id, log: log)
            return id
        }
        let key = baseKey([.list([.atom("from-image"), .atom(image.digest)])])
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
            if let users = userNamespace { try OwnershipShift.shift(step.rootfs, into: users) }
            let seconds = Self.monotonicSeconds() - start
            log(.note("Fetched \(image.reference) in \(Double(Int(seconds * 10)) / 10) s"))
        }
        await report(origin, id: id, log: log)
        try? OBuilderFileSystem.makeDirectories(store.root + "/images", mode: 0o700)
        try? OBuilderFileSystem.writeFileAtomically(record, id + "\n")
        return id
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
