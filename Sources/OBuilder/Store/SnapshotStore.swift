// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Build results, one snapshot per step, keyed by an id the builder derives from everything
/// that affects the step (see ``OBuilderBuilder``).
///
/// Layout under ``root``: `snapshots/ID/{rootfs,meta,used,log}` for finished snapshots,
/// `tmp/` for work in progress, `caches/` for `(run (cache …))` directories and `cache-used/` for
/// when each cache was last used.
///
/// How a snapshot or a cache clone is made is up to its ``SnapshotBackend`` (overlay layers,
/// btrfs subvolumes, reflinks, rsync copies, ZFS clones; ``StoreSpec`` names them as OBuilder's
/// `--store` does). The store does the rest, whatever the backend: ids and metadata, concurrent
/// requests for one id, leases that keep a build's snapshots from being pruned, pruning (of
/// snapshots and caches alike) and cache generations.
///
/// A snapshot appears atomically (a rename of a finished directory into `snapshots/`), so a
/// failed or cancelled step leaves nothing behind; left-overs in `tmp/` are removed on open.
public actor SnapshotStore {
    /// The built-in backends, by the names of ``SnapshotBackend/name``.
    public enum Backend: String, Sendable {
        /// Overlay layers (needs root and overlayfs; cheap snapshots): ``OverlaySnapshotBackend``.
        case overlay
        /// Complete copies (works anywhere; costs a copy of the tree per step): ``CopySnapshotBackend``.
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
    /// How snapshots are made from their parents.
    public nonisolated let backend: any SnapshotBackend

    var index: [String: SnapshotMetadata] = [:]
    var lastUsed: [String: Double] = [:]
    var pins: [String: Int] = [:]
    private var building: [String: [CheckedContinuation<Void, Never>]] = [:]
    var cacheGenerations: [String: Int] = [:]
    /// Steps using each cache now (a cache in use is not pruned).
    var cacheUsers: [String: Int] = [:]
    var cacheLastUsed: [String: Double] = [:]
    /// Steps served from the store, and steps built, since the store was opened.
    public private(set) var cacheHits = 0
    public private(set) var cacheMisses = 0

    /// Opens (creating if needed) a store at `root` with one of the built-in backends.
    ///
    /// - Parameters:
    ///   - backend: nil picks ``Backend/overlay`` when an overlay mount works here, else
    ///     ``Backend/copy``.
    ///   - maximumDepth: overlay chains deeper than this are flattened into a complete copy.
    public init(root: String, backend: Backend? = nil, maximumDepth: Int = 40) async throws(OBuilderError) {
        let normalized = try Self.prepare(root: root)
        let kind = backend ?? (OverlaySnapshotBackend.works(in: normalized + "/tmp") ? .overlay : .copy)
        let chosen: any SnapshotBackend =
            switch kind {
            case .overlay: OverlaySnapshotBackend(maximumDepth: maximumDepth)
            case .copy: CopySnapshotBackend()
            }
        try await self.init(root: normalized, backend: chosen)
    }

    /// Opens (creating if needed) a store at `root` that makes snapshots with `backend`.
    public init(root: String, backend: any SnapshotBackend) async throws(OBuilderError) {
        let normalized = try Self.normalize(root: root)
        try await backend.check(root: normalized)
        try Self.makeDirectories(root: normalized)
        self.root = normalized
        self.backend = backend
        for mountPoint in OverlayMount.mounts(under: normalized) { OverlayMount.unmount(mountPoint) }
        for leftover in try OBuilderFileSystem.listDirectory(normalized + "/tmp") {
            try await backend.removeTree(normalized + "/tmp/" + leftover)
        }
        for id in try OBuilderFileSystem.listDirectory(normalized + "/snapshots") {
            let directory = normalized + "/snapshots/" + id
            guard let text = OBuilderFileSystem.readText(directory + "/meta"), let meta = SnapshotMetadata(text) else {
                continue
            }
            index[id] = meta
            lastUsed[id] = OBuilderFileSystem.readText(directory + "/used").flatMap { Double($0) } ?? meta.created
        }
        try loadCacheUse()
    }

    /// Checks `root`, creates the store's directories and returns the path without a trailing `/`.
    private static func prepare(root: String) throws(OBuilderError) -> String {
        let normalized = try normalize(root: root)
        try makeDirectories(root: normalized)
        return normalized
    }

    /// Checks that `root` is absolute and returns it without a trailing `/`.
    private static func normalize(root: String) throws(OBuilderError) -> String {
        guard root.hasPrefix("/") else { throw OBuilderError(.store, "store path must be absolute: \(root)") }
        var normalized = root
        while normalized.count > 1, normalized.hasSuffix("/") { normalized.removeLast() }
        return normalized
    }

    private static func makeDirectories(root normalized: String) throws(OBuilderError) {
        for directory in ["", "/snapshots", "/tmp", "/caches", "/cache-used"] {
            try OBuilderFileSystem.makeDirectories(normalized + directory, mode: 0o700)
        }
    }

    func snapshotDirectory(_ id: String) -> String { root + "/snapshots/" + id }

    /// Seconds since the epoch, as the store records use times.
    public static func now() -> Double {
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

    /// `id` with the rootfs directories of its layers, topmost first.
    func layers(of id: String) -> SnapshotLayers {
        var out: [String] = []
        var current: String? = id
        while let next = current, out.count <= index.count {
            out.append(snapshotDirectory(next) + "/rootfs")
            current = index[next]?.lower
        }
        return SnapshotLayers(id: id, layers: out)
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
            try? await backend.removeTree(work)
            throw error
        }
    }

    private func prepareAndRun(
        work: String,
        parent: String?,
        environment: [String],
        body: @Sendable (StepDirectory) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotMetadata {
        let logFile = work + "/log"
        try OBuilderFileSystem.writeFile(logFile, "")
        let layering = try await backend.make(
            in: work,
            from: parent.map { layers(of: $0) },
            scratch: root + "/tmp"
        ) { (rootfs) throws(OBuilderError) in
            try await body(StepDirectory(rootfs: rootfs, logFile: logFile))
        }
        return SnapshotMetadata(
            lower: layering.lower,
            origin: layering.origin,
            parent: parent,
            depth: layering.depth,
            environment: environment,
            created: Self.now()
        )
    }
}
