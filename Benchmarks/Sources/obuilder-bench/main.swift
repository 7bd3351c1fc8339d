// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Benchmarks OBuilder builds through the public `OBuilderBuilder` API: the same multi-step spec
// (copy, env, workdir, user and three run steps on the busybox base) built cold, in a fresh
// snapshot store each time, and cached, in a store that already holds every step; then a step
// that mounts a cache of 1 MiB and one of 1 GiB (its time should not grow with the cache's size
// where caches are cloned natively: btrfs, xfs, overlayfs). With --image, first a cold fetch of
// that image (`(from IMAGE)` through skopeo and umoci, into a fresh store each time).
//
//   obuilder-bench --base-images DIR [--runs N] [--store STORE [--rsync-mode MODE]] [--work DIR]
//                  [--image REGISTRY/NAME:TAG]
//
// DIR holds a `busybox` image made by scripts/make-base-image.sh; STORE is an `--obuilder-store`
// value under whose path the benchmark makes its stores (default: overlayfs: in the work
// directory); --work (default: the system temporary directory) is where everything else is made
// and removed; IMAGE is on a plain-HTTP registry on 127.0.0.1 (scripts/obuilder-bench.sh starts one
// and pushes busybox to it). Needs root and runc (and skopeo and umoci for --image). Build in release mode, make the base image and the file
// systems with: scripts/obuilder-bench.sh.

import AsyncBlocks
import Foundation
import OBuilder
import Synchronization

/// A failed set-up or check; the benchmark stops.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// The command line.
struct Options {
    var baseImages = ""
    var runs = 10
    var store: String?
    var rsyncMode: String?
    var work = NSTemporaryDirectory()
    var image: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments.dropFirst()[...]
        func usage() -> Never {
            print(
                "usage: obuilder-bench --base-images DIR [--runs N] [--store STORE [--rsync-mode MODE]] [--work DIR]"
                    + " [--image REGISTRY/NAME:TAG]"
            )
            exit(2)
        }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { usage() }
            switch flag {
            case "--base-images": options.baseImages = value
            case "--runs":
                guard let runs = Int(value), runs > 0 else { usage() }
                options.runs = runs
            case "--store": options.store = value
            case "--rsync-mode": options.rsyncMode = value
            case "--work": options.work = value
            case "--image": options.image = value
            default: usage()
            }
        }
        if options.baseImages.isEmpty { usage() }
        return options
    }
}

/// Four kinds of operation, seven steps: a copy from the source directory, env, workdir and
/// user changes, and run steps that read what earlier steps made.
let spec = """
    ((from busybox)
     (shell /bin/sh -c)
     (env GREETING hello)
     (workdir /work)
     (copy (src a.txt b.txt) (dst ./))
     (run (shell "cat a.txt b.txt > both.txt && echo $GREETING >> both.txt"))
     (workdir sub)
     (run (shell "ls -l /work > listing.txt && sha256sum /bin/busybox > sum.txt"))
     (user (uid 1000) (gid 1000))
     (run (shell "id -u > /tmp/uid && wc -l ../both.txt")))
    """

/// A spec whose one run step mounts the cache `name`: a new step for each `name` and `run`
/// (caches do not count in a step's id, so the name is in the command too).
func cacheSpec(_ name: String, run: Int) -> String {
    """
    ((from busybox) (shell /bin/sh -c)
     (run (cache (\(name) (target /cache))) (shell "ls -l /cache > /dev/null; echo \(name) \(run)")))
    """
}

/// Builds `text` once in `store` and returns the final snapshot id and the time taken.
func timedBuild(
    _ text: String = spec,
    store: SnapshotStore,
    sandbox: RuncSandbox,
    images: BaseImageStore,
    fetcher: (any ImageFetcher)? = nil,
    source: String,
    log: @escaping @Sendable (OBuilderLogEvent) -> Void = { _ in }
) async throws -> (id: String, seconds: Double) {
    let builder = OBuilderBuilder(
        store: store,
        sandbox: sandbox,
        baseImages: images,
        fetcher: fetcher,
        defaultShell: ["/bin/sh", "-c"]
    )
    let clock = ContinuousClock()
    let start = clock.now
    let id = try await builder.build(specText: text, sourceDirectory: source, log: log)
    return (id, start.duration(to: clock.now).seconds)
}

/// Median, minimum and maximum, formatted.
func summary(_ samples: [Double]) -> (median: Double, text: String) {
    let sorted = samples.sorted()
    let middle = sorted.count / 2
    let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    func ms(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }
    let first = sorted.first ?? 0
    let last = sorted.last ?? 0
    return (median, "median \(ms(median)), min \(ms(first)), max \(ms(last))")
}

/// Fills the cache `name` of `store` with a file of `mebibytes` MiB of zeros.
func fillCache(_ name: String, mebibytes: Int, in store: SnapshotStore) async throws {
    try await store.withCache(name, uid: 0, gid: 0) { path throws(OBuilderError) in
        let fill = Process()
        fill.executableURL = URL(fileURLWithPath: "/bin/dd")
        fill.arguments = ["if=/dev/zero", "of=\(path)/data", "bs=1M", "count=\(mebibytes)", "status=none"]
        do {
            try fill.run()
        } catch {
            throw OBuilderError(.fileSystem, "dd: \(error)")
        }
        fill.waitUntilExit()
        guard fill.terminationStatus == 0 else { throw OBuilderError(.fileSystem, "dd failed") }
    }
}

func main() async throws {
    let options = Options.parse(CommandLine.arguments)
    let images = BaseImageStore(directory: options.baseImages)
    _ = try images.image(named: "busybox")
    let root = options.work + "/obuilder-bench-\(UUID().uuidString.prefix(8))"
    let files = FileManager.default
    try files.createDirectory(atPath: root + "/source", withIntermediateDirectories: true)
    defer { try? files.removeItem(atPath: root) }
    try Data("first file\n".utf8).write(to: URL(fileURLWithPath: root + "/source/a.txt"))
    try Data("second file\n".utf8).write(to: URL(fileURLWithPath: root + "/source/b.txt"))
    let sandbox = try await RuncSandbox(stateDirectory: root + "/sandbox")
    print("runc: \(try await sandbox.version().split(separator: "\n").first ?? "?")")
    let base = try StoreSpec.parse(options.store ?? "overlayfs:" + root + "/stores", rsyncMode: options.rsyncMode)
    print("store: \(base)\(options.rsyncMode.map { " (--rsync-mode \($0))" } ?? ""), runs: \(options.runs)")

    /// A fresh store named `name` under the base store's path.
    func openStore(_ name: String) async throws -> SnapshotStore {
        let (path, backend) = try base.backend()
        return try await SnapshotStore(root: path + "/" + name + "-" + UUID().uuidString.prefix(8), backend: backend)
    }
    /// Deletes everything in `store` through its backend, then the store.
    func removeStore(_ store: SnapshotStore) async throws {
        _ = try await store.prune(before: SnapshotStore.now() + 1000, limit: Int.max)
        for name in try await store.cacheNames() { try await store.deleteCache(name) }
        try files.removeItem(atPath: store.root)
    }

    // Fetch: `(from IMAGE)` alone, into a fresh store each run: resolve, download, unpack, commit.
    if let image = options.image {
        var fetches: [Double] = []
        for run in 0..<options.runs {
            let store = try await openStore("fetch-\(run)")
            let fetched = Mutex(false)
            let result = try await timedBuild(
                "((from \(image)))",
                store: store,
                sandbox: sandbox,
                images: images,
                fetcher: SkopeoImageFetcher(configuration: RegistryConfiguration()),
                source: root + "/source"
            ) { event in
                if case .note(let text) = event, text.hasPrefix("Fetching") { fetched.withLock { $0 = true } }
            }
            guard fetched.withLock({ $0 }) else {
                throw BenchFailure(description: "fetch \(run): \(image) not fetched")
            }
            fetches.append(result.seconds)
            try await removeStore(store)
        }
        print("fetch  (\(image), fresh store): \(summary(fetches).text)")
    }

    // Cold: every step is built, starting with the copy of the base image into the store.
    var cold: [Double] = []
    var coldID = ""
    for run in 0..<options.runs {
        let store = try await openStore("cold-\(run)")
        let result = try await timedBuild(store: store, sandbox: sandbox, images: images, source: root + "/source")
        guard await store.cacheMisses == 5, coldID.isEmpty || coldID == result.id else {
            throw BenchFailure(
                description: "cold build \(run): \(await store.cacheMisses) steps built, id \(result.id)"
            )
        }
        coldID = result.id
        cold.append(result.seconds)
        try await removeStore(store)
    }

    // Cached: one warm-up build fills the store; then every step is a cache hit.
    let store = try await openStore("cached")
    _ = try await timedBuild(store: store, sandbox: sandbox, images: images, source: root + "/source")
    var cached: [Double] = []
    for run in 0..<options.runs {
        let result = try await timedBuild(store: store, sandbox: sandbox, images: images, source: root + "/source")
        guard result.id == coldID, await store.cacheMisses == 5 else {
            throw BenchFailure(description: "cached build \(run) rebuilt a step or gave id \(result.id)")
        }
        cached.append(result.seconds)
    }

    let coldSummary = summary(cold)
    let cachedSummary = summary(cached)
    print("cold   (fresh store, 5 steps built): \(coldSummary.text)")
    print("cached (all 5 steps from the store): \(cachedSummary.text)")
    print(String(format: "cold/cached (medians): %.0f×", coldSummary.median / max(cachedSummary.median, 1e-9)))

    // A cache step, built each run (a new command), with a small and a large cache.
    for (name, mebibytes) in [("small", 1), ("large", 1024)] {
        try await fillCache(name, mebibytes: mebibytes, in: store)
        var times: [Double] = []
        for run in 0..<options.runs {
            let result = try await timedBuild(
                cacheSpec(name, run: run),
                store: store,
                sandbox: sandbox,
                images: images,
                source: root + "/source"
            )
            times.append(result.seconds)
        }
        print("cache step (\(mebibytes) MiB cache, step built): \(summary(times).text)")
    }
    try await removeStore(store)
}

do {
    try await main()
} catch {
    print("obuilder-bench: \(error)")
    exit(1)
}
