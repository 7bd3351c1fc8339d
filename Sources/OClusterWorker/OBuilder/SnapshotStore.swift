// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Build results, one snapshot per step, keyed by an id the builder derives from everything
/// that affects the step (see ``OBuilderBuilder``).
///
/// Layout under ``root``: `snapshots/ID/{rootfs,meta,used,log}` for finished snapshots,
/// `tmp/` for work in progress, `caches/` for `(run (cache …))` directories.
///
/// With the ``Backend/overlay`` backend a step's `rootfs` holds only its overlay upper layer,
/// stacked on its `lower` snapshot's layers; chains deeper than ``maximumDepth`` (or too long for
/// one mount call) are flattened into a complete copy. With ``Backend/copy`` every snapshot is a
/// complete tree made by `cp -a --reflink=auto`.
///
/// A snapshot appears atomically (a rename of a finished directory into `snapshots/`), so a
/// failed or cancelled step leaves nothing behind; left-overs in `tmp/` are removed on open.
public actor SnapshotStore {
    /// How snapshots share data.
    public enum Backend: String, Sendable {
        /// Overlay layers (needs root and overlayfs; cheap snapshots).
        case overlay
        /// Complete copies (works anywhere; costs a copy of the tree per step).
        case copy
    }

    /// Whether a step's result came from the store or was just made.
    public enum Origin: Hashable, Sendable {
        case cached
        case built
    }

    /// Where a step being built writes.
    public struct StepDirectory: Sendable {
        /// The root file system to run the step in.
        public var rootfs: String
        /// The file the step's log is saved in (replayed on later cache hits).
        public var logFile: String
    }

    public nonisolated let root: String
    public nonisolated let backend: Backend
    /// Overlay chains deeper than this are flattened into a complete copy.
    public nonisolated let maximumDepth: Int

    var index: [String: SnapshotMetadata] = [:]
    var lastUsed: [String: Double] = [:]
    var pins: [String: Int] = [:]
    private var building: [String: [CheckedContinuation<Void, Never>]] = [:]
    var cacheGenerations: [String: Int] = [:]
    /// Steps served from the store, and steps built, since the store was opened.
    public private(set) var cacheHits = 0
    public private(set) var cacheMisses = 0

    /// Opens (creating if needed) a store at `root`.
    ///
    /// - Parameter backend: nil picks ``Backend/overlay`` when an overlay mount works here, else
    ///   ``Backend/copy``.
    public init(root: String, backend: Backend? = nil, maximumDepth: Int = 40) async throws(OBuilderError) {
        guard root.hasPrefix("/") else { throw OBuilderError(.store, "store path must be absolute: \(root)") }
        var normalized = root
        while normalized.count > 1, normalized.hasSuffix("/") { normalized.removeLast() }
        self.root = normalized
        self.maximumDepth = max(1, maximumDepth)
        for directory in ["", "/snapshots", "/tmp", "/caches"] {
            try OBuilderFileSystem.makeDirectories(normalized + directory, mode: 0o700)
        }
        for mountPoint in OverlayMount.mounts(under: normalized) { OverlayMount.unmount(mountPoint) }
        for leftover in try OBuilderFileSystem.listDirectory(normalized + "/tmp") {
            try await OBuilderFileSystem.removeTree(normalized + "/tmp/" + leftover)
        }
        if let backend {
            self.backend = backend
        } else {
            self.backend = Self.overlayWorks(in: normalized + "/tmp") ? .overlay : .copy
        }
        for id in try OBuilderFileSystem.listDirectory(normalized + "/snapshots") {
            let directory = normalized + "/snapshots/" + id
            guard let text = OBuilderFileSystem.readText(directory + "/meta"), let meta = SnapshotMetadata(text) else {
                continue
            }
            index[id] = meta
            lastUsed[id] = OBuilderFileSystem.readText(directory + "/used").flatMap { Double($0) } ?? meta.created
        }
    }

    /// Tries an overlay mount in a scratch directory.
    private static func overlayWorks(in directory: String) -> Bool {
        guard let scratch = try? OBuilderFileSystem.makeTemporaryDirectory(in: directory, prefix: "probe-") else {
            return false
        }
        let names = ["lower", "upper", "work", "merged"]
        var works = true
        for name in names where (try? OBuilderFileSystem.makeDirectory(scratch + "/" + name)) == nil { works = false }
        if works {
            do {
                try OverlayMount.mount(
                    lower: [scratch + "/lower"],
                    upper: scratch + "/upper",
                    work: scratch + "/work",
                    at: scratch + "/merged"
                )
                OverlayMount.unmount(scratch + "/merged")
            } catch {
                works = false
            }
        }
        _ = rmdir(scratch + "/work/work")
        for name in names { _ = rmdir(scratch + "/" + name) }
        _ = rmdir(scratch)
        return works
    }

    func snapshotDirectory(_ id: String) -> String { root + "/snapshots/" + id }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Whether a finished snapshot `id` exists.
    public func contains(_ id: String) -> Bool { index[id] != nil }

    /// Every snapshot id, sorted.
    public func snapshotIDs() -> [String] { index.keys.sorted() }

    /// The environment recorded with a base-image snapshot.
    public func environment(of id: String) -> [String] { index[id]?.environment ?? [] }

    /// When `id` was last built or used (seconds since the epoch).
    public func lastUse(of id: String) -> Double? { lastUsed[id] }

    /// The saved log lines of a finished snapshot.
    public func log(of id: String) -> [String] {
        guard index[id] != nil, let text = OBuilderFileSystem.readText(snapshotDirectory(id) + "/log") else {
            return []
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    func markUsed(_ id: String) {
        let time = Self.now()
        lastUsed[id] = time
        try? OBuilderFileSystem.writeFileAtomically(snapshotDirectory(id) + "/used", String(time))
    }

    func pin(_ id: String) { pins[id, default: 0] += 1 }

    private func hold(_ id: String, for lease: SnapshotLease?) {
        guard let lease else { return }
        pin(id)
        lease.add(id)
    }

    /// Lets the snapshots held by `lease` be pruned again.
    public func release(_ lease: SnapshotLease) {
        for id in lease.takeAll() { unpin(id) }
    }
    func unpin(_ id: String) {
        pins[id, default: 1] -= 1
        if pins[id] == 0 { pins[id] = nil }
    }

    /// The rootfs directories of `id`'s layers, topmost first.
    func layers(of id: String) -> [String] {
        var out: [String] = []
        var current: String? = id
        while let next = current, out.count <= index.count {
            out.append(snapshotDirectory(next) + "/rootfs")
            current = index[next]?.lower
        }
        return out
    }

    /// Returns `id` from the store, or makes it by running `body` on a fresh root file system
    /// based on `parent` (empty when `parent` is nil).
    ///
    /// If `body` throws or the task is cancelled, the partial snapshot is removed and the error
    /// is rethrown. Concurrent requests for the same id wait for the first one.
    ///
    /// - Parameter lease: if given, the resulting snapshot is protected from pruning until the
    ///   lease is released with ``release(_:)``, so a build can keep using its results.
    public func build(
        id: String,
        parent: String?,
        environment: [String] = [],
        lease: SnapshotLease? = nil,
        body: @Sendable (StepDirectory) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> Origin {
        while building[id] != nil {
            await withCheckedContinuation { building[id, default: []].append($0) }
        }
        if index[id] != nil {
            cacheHits += 1
            markUsed(id)
            hold(id, for: lease)
            return .cached
        }
        if let parent, index[parent] == nil {
            throw OBuilderError(.store, "parent snapshot \(parent) is not in the store")
        }
        cacheMisses += 1
        building[id] = []
        defer {
            let waiters = building.removeValue(forKey: id) ?? []
            for waiter in waiters { waiter.resume() }
        }
        if let parent {
            pin(parent)
            markUsed(parent)
        }
        defer { if let parent { unpin(parent) } }
        let work = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "build-")
        do throws(OBuilderError) {
            let meta = try await prepareAndRun(work: work, parent: parent, environment: environment, body: body)
            if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
            try OBuilderFileSystem.writeFile(work + "/meta", meta.expression.description + "\n")
            try OBuilderFileSystem.writeFile(work + "/used", String(meta.created))
            try OBuilderFileSystem.rename(work, to: snapshotDirectory(id))
            index[id] = meta
            lastUsed[id] = meta.created
            hold(id, for: lease)
            return .built
        } catch {
            try? await OBuilderFileSystem.removeTree(work)
            throw error
        }
    }

    private func prepareAndRun(
        work: String,
        parent: String?,
        environment: [String],
        body: @Sendable (StepDirectory) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotMetadata {
        let rootfs = work + "/rootfs"
        let step = StepDirectory(rootfs: rootfs, logFile: work + "/log")
        try OBuilderFileSystem.writeFile(step.logFile, "")
        var meta = SnapshotMetadata(lower: nil, parent: parent, depth: 1, environment: environment, created: 0)
        guard let parent else {
            try OBuilderFileSystem.makeDirectory(rootfs)
            try await body(step)
            meta.created = Self.now()
            return meta
        }
        let lower = layers(of: parent)
        let merged = work + "/merged"
        if backend == .overlay, lower.count < maximumDepth,
            OverlayMount.fits(lower: lower, upper: rootfs, work: work + "/work")
        {
            try OBuilderFileSystem.makeDirectory(rootfs)
            try OBuilderFileSystem.makeDirectory(work + "/work")
            try OBuilderFileSystem.makeDirectory(merged)
            try OverlayMount.mount(lower: lower, upper: rootfs, work: work + "/work", at: merged)
            do throws(OBuilderError) {
                try await body(StepDirectory(rootfs: merged, logFile: step.logFile))
            } catch {
                OverlayMount.unmount(merged)
                throw error
            }
            OverlayMount.unmount(merged)
            try await OBuilderFileSystem.removeTree(work + "/work")
            _ = rmdir(merged)
            meta.lower = parent
            meta.depth = lower.count + 1
        } else {
            // A complete copy: the copy backend, or an overlay chain that has grown too deep.
            try await withReadableRoot(of: parent) { (source) throws(OBuilderError) in
                try await OBuilderFileSystem.copyTree(source, to: rootfs)
            }
            try await body(step)
        }
        meta.created = Self.now()
        return meta
    }
}
