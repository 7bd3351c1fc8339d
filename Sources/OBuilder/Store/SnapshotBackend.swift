// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// How a ``SnapshotStore`` makes a step's snapshot from its parent's, and a cache's writable
/// clone from the cache: the part of OBuilder's `STORE` that differs from one file system to the
/// next.
///
/// The store keeps the bookkeeping (ids, metadata, pins, leases, pruning, cache generations) and
/// asks the backend only to fill a scratch directory: ``OverlaySnapshotBackend`` stacks overlay
/// layers, ``BtrfsSnapshotBackend`` snapshots subvolumes, ``ReflinkSnapshotBackend`` shares
/// blocks, ``RsyncSnapshotBackend`` and ``CopySnapshotBackend`` copy whole trees and
/// ``ZFSSnapshotBackend`` clones datasets.
public protocol SnapshotBackend: Sendable {
    /// A short name for logs and metrics (`overlay`, `copy`, `btrfs`…).
    var name: String { get }

    /// Checks that the backend can work in the store at `root` (its file system, its tools);
    /// called once when the store is opened, before the store makes its directories (`root`
    /// may not exist yet).
    func check(root: String) async throws(OBuilderError)

    /// Makes a snapshot in `work`, an empty directory the store renames into place afterwards.
    ///
    /// The snapshot's files must end up in `work/rootfs`; anything else left in `work` is kept
    /// with it. The backend prepares a root file system from `parent` (an empty one when it is
    /// nil), runs `body` with the path the step writes to, and finishes the snapshot.
    ///
    /// - Parameters:
    ///   - work: the snapshot's directory, empty but for the store's own files.
    ///   - parent: the snapshot to start from.
    ///   - scratch: a directory for temporary mount points and views.
    ///   - body: the step; its errors are rethrown after the backend has cleaned up.
    /// - Returns: how the snapshot depends on others.
    func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering

    /// Deletes a directory the store or this backend made (a snapshot, a cache, left-overs),
    /// including whatever native objects (subvolumes, datasets, mounts) are inside.
    func removeTree(_ path: String) async throws(OBuilderError)

    /// Creates an empty cache at `path` (a directory, or the backend's native object) and
    /// returns the directory steps will see, for the store to set its owner and mode.
    func makeCache(at path: String) async throws(OBuilderError) -> String

    /// Makes a writable clone of the cache `master` in the empty directory `work` and returns
    /// the path a step mounts. Nothing the step does may change `master`.
    func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String

    /// Makes the clone made by ``cloneCache(_:in:)`` in `work` the new version of the cache at
    /// `master`. Afterwards the store removes `work` with ``removeTree(_:)``.
    func commitCache(_ master: String, from work: String) async throws(OBuilderError)

    /// Gives up the clone in `work` (the step is over; unmount what needs unmounting). The store
    /// removes `work` with ``removeTree(_:)`` afterwards.
    func discardCache(in work: String) async throws(OBuilderError)

    /// The percentage of the store's space that is free.
    func freeSpacePercent(root: String) async -> Double

    /// Runs `body` with a read-only view of the complete root file system of `snapshot` (for
    /// `(copy (from (build …)))`); `body` must not write to the path.
    func withReadableRoot<R: Sendable>(
        of snapshot: SnapshotLayers,
        scratch: String,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R
}

/// How a new snapshot depends on others.
public struct SnapshotLayering: Hashable, Sendable {
    /// The snapshot its `rootfs` layer sits on (overlay layers), or nil for a complete tree.
    public var lower: String?
    /// How many layers the root file system has (1 for a complete tree).
    public var depth: Int
    /// A snapshot this one shares storage with and that must outlive it (a ZFS clone's origin).
    public var origin: String?

    public init(lower: String? = nil, depth: Int = 1, origin: String? = nil) {
        self.lower = lower
        self.depth = depth
        self.origin = origin
    }

    /// A complete tree that depends on nothing.
    public static let complete = SnapshotLayering()
}

extension SnapshotBackend {
    /// ``make(in:from:scratch:body:)`` for a backend whose snapshot is a whole tree: the parent's
    /// root copied with `copy` (or an empty root for a base), then the step.
    func makeByCopying(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        copy: @Sendable (_ source: String, _ destination: String) async throws(OBuilderError) -> Void,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        let rootfs = work + "/rootfs"
        if let parent {
            try await parent.withReadableRoot(scratch: scratch) { (source) throws(OBuilderError) in
                try await copy(source, rootfs)
            }
        } else {
            try OBuilderFileSystem.makeDirectory(rootfs)
        }
        try await body(rootfs)
        return .complete
    }

    public func check(root: String) async throws(OBuilderError) {}

    public func removeTree(_ path: String) async throws(OBuilderError) {
        try await OBuilderFileSystem.removeTree(path)
    }

    public func makeCache(at path: String) async throws(OBuilderError) -> String {
        try OBuilderFileSystem.makeDirectory(path)
        return path
    }

    /// A complete copy, sharing blocks where the file system can.
    public func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String {
        let clone = work + "/cache"
        try await OBuilderFileSystem.copyTree(master, to: clone)
        return clone
    }

    /// Swaps the clone in for the master: both renames stay within the store's file system.
    public func commitCache(_ master: String, from work: String) async throws(OBuilderError) {
        try OBuilderFileSystem.rename(master, to: work + "/old")
        try OBuilderFileSystem.rename(work + "/cache", to: master)
    }

    public func discardCache(in work: String) async throws(OBuilderError) {}

    public func freeSpacePercent(root: String) async -> Double {
        OBuilderFileSystem.freeSpacePercent(root)
    }

    /// The snapshot's own directories (see ``SnapshotLayers/withReadableRoot(scratch:_:)``).
    public func withReadableRoot<R: Sendable>(
        of snapshot: SnapshotLayers,
        scratch: String,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R {
        try await snapshot.withReadableRoot(scratch: scratch, body)
    }
}
