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
    ) async throws(OBuilderError) -> (lower: String?, depth: Int) {
        let rootfs = work + "/rootfs"
        let merged = work + "/merged"
        guard let parent, parent.layers.count < maximumDepth,
            OverlayMount.fits(lower: parent.layers, upper: rootfs, work: work + "/work")
        else {
            // No parent, or a chain grown too deep: a complete tree.
            return try await CopySnapshotBackend().make(in: work, from: parent, scratch: scratch, body: body)
        }
        try OBuilderFileSystem.makeDirectory(rootfs)
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
        return (parent.id, parent.layers.count + 1)
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
