// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// How a ``SnapshotStore`` makes a step's snapshot from its parent's: the part of OBuilder's
/// `STORE` that differs from one file system to the next.
///
/// The store keeps the bookkeeping (ids, metadata, pins, leases, pruning, caches) and asks the
/// backend only to fill a scratch directory. ``OverlaySnapshotBackend`` stacks overlay layers,
/// ``CopySnapshotBackend`` copies whole trees; a btrfs or ZFS backend would make a subvolume
/// snapshot or a clone instead.
public protocol SnapshotBackend: Sendable {
    /// A short name for logs and metrics (`overlay`, `copy`).
    var name: String { get }

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
    /// - Returns: the snapshot's layering: the snapshot its `rootfs` layer sits on (nil for a
    ///   complete tree) and how many layers it has.
    func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> (lower: String?, depth: Int)
}
