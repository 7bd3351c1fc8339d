// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Snapshots as overlay layers: a step's `rootfs` holds only its overlay upper layer, stacked on
/// its parent's layers, so a snapshot costs only what the step changed (OBuilder's `overlayfs`
/// store). Needs root and overlayfs.
///
/// Chains deeper than ``maximumDepth`` (or too long for one mount call) are flattened into a
/// complete copy, which then starts a new chain.
public struct OverlaySnapshotBackend: SnapshotBackend {
    public var name: String { "overlay" }
    /// Overlay chains deeper than this are flattened into a complete copy.
    public let maximumDepth: Int

    public init(maximumDepth: Int = 40) {
        self.maximumDepth = max(1, maximumDepth)
    }

    public func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        let rootfs = work + "/rootfs"
        let merged = work + "/merged"
        guard let parent, parent.layers.count < maximumDepth,
            OverlayMount.fits(lower: parent.layers, upper: rootfs, work: work + "/work")
        else {
            // No parent, or a chain grown too deep: a complete tree.
            return try await CopySnapshotBackend().make(in: work, from: parent, scratch: scratch, body: body)
        }
        try OBuilderFileSystem.makeDirectory(rootfs)
        // The merged root directory shows the upper layer's owner and mode: keep the parent's.
        var info = stat()
        guard lstat(parent.layers[0], &info) == 0, chown(rootfs, info.st_uid, info.st_gid) == 0,
            chmod(rootfs, info.st_mode & 0o7777) == 0
        else {
            throw OBuilderError(.fileSystem, "cannot set up a layer on \(parent.id): \(OBuilderFileSystem.errorText())")
        }
        try OBuilderFileSystem.makeDirectory(work + "/work")
        try OBuilderFileSystem.makeDirectory(merged)
        try OverlayMount.mount(lower: parent.layers, upper: rootfs, work: work + "/work", at: merged)
        do throws(OBuilderError) {
            try await body(merged)
        } catch {
            OverlayMount.unmount(merged)
            throw error
        }
        OverlayMount.unmount(merged)
        try await OBuilderFileSystem.removeTree(work + "/work")
        _ = rmdir(merged)
        return SnapshotLayering(lower: parent.id, depth: parent.layers.count + 1)
    }

    /// Deletes `path` after unmounting whatever is mounted below it (a cache clone, a view).
    public func removeTree(_ path: String) async throws(OBuilderError) {
        for mountPoint in OverlayMount.mounts(under: path) { OverlayMount.unmount(mountPoint) }
        try await OBuilderFileSystem.removeTree(path)
    }

    /// An overlay with the cache as its lower layer: the clone costs nothing, whatever the
    /// cache's size, and only what the step writes is stored (in `work/upper`).
    public func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String {
        var info = stat()
        guard lstat(master, &info) == 0 else {
            throw OBuilderError(.fileSystem, "cannot read cache \(master): \(OBuilderFileSystem.errorText())")
        }
        for name in ["upper", "work", "merged"] { try OBuilderFileSystem.makeDirectory(work + "/" + name) }
        // The merged root takes the upper root's owner and mode: give it the cache's.
        guard chown(work + "/upper", info.st_uid, info.st_gid) == 0, chmod(work + "/upper", info.st_mode & 0o7777) == 0
        else {
            throw OBuilderError(.fileSystem, "cannot set up a cache layer: \(OBuilderFileSystem.errorText())")
        }
        try OverlayMount.mount(
            lower: [master],
            upper: work + "/upper",
            work: work + "/work",
            at: work + "/merged",
            extraOptions: ",redirect_dir=off,metacopy=off"
        )
        return work + "/merged"
    }

    /// Unmounts the clone and folds its upper layer into the cache, in place.
    public func commitCache(_ master: String, from work: String) async throws(OBuilderError) {
        OverlayMount.unmount(work + "/merged")
        try await OverlayUpperMerge.apply(upper: work + "/upper", onto: master)
    }

    public func discardCache(in work: String) async throws(OBuilderError) {
        OverlayMount.unmount(work + "/merged")
    }

    /// Whether an overlay mount works in `directory` (tried in a scratch directory there).
    public static func works(in directory: String) -> Bool {
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
}
