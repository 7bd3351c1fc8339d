// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Snapshots as complete trees copied with `rsync` (OBuilder's `rsync` store): portable, needs no
/// special file system, and costs a copy of the tree per step. Its ``Mode`` trades speed for disk
/// space as OBuilder's `--rsync-mode` does. Caches are copied with rsync too.
public struct RsyncSnapshotBackend: SnapshotBackend {
    /// OBuilder's `--rsync-mode`.
    public enum Mode: String, Sendable, CaseIterable {
        /// Each snapshot is a full copy.
        case copy
        /// After a step, files identical (by checksum) to the parent's are hard-linked to them.
        case hardlink
        /// As ``hardlink``, but files are taken as identical when their size and modification
        /// time match (faster; a change that keeps both is missed).
        case hardlinkUnsafe = "hardlink_unsafe"
    }

    public let mode: Mode
    public var name: String { "rsync" }

    public init(mode: Mode = .copy) { self.mode = mode }

    public func check(root: String) async throws(OBuilderError) {
        guard OBuilderFileSystem.findExecutable("rsync") != nil else {
            throw OBuilderError(.store, "rsync store: the rsync command was not found (install rsync)")
        }
    }

    public func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        let rootfs = work + "/rootfs"
        guard let parent else {
            try OBuilderFileSystem.makeDirectory(rootfs)
            try await body(rootfs)
            return .complete
        }
        guard parent.layers.count == 1 else {
            throw OBuilderError(.store, "rsync store: snapshot \(parent.id) is not a complete tree")
        }
        let base = parent.layers[0]
        switch mode {
        case .copy:
            try await Self.rsync([base + "/", rootfs])
            try await body(rootfs)
        case .hardlink, .hardlinkUnsafe:
            // The step runs on a copy; the result is then re-copied with --link-dest so files the
            // step left alone become hard links to the parent's (snapshots are never written again).
            let building = work + "/building"
            try await Self.rsync([base + "/", building])
            do throws(OBuilderError) {
                try await body(building)
                let checksum = mode == .hardlink ? ["--checksum"] : []
                try await Self.rsync(checksum + ["--link-dest=" + base, building + "/", rootfs])
            } catch {
                try? await OBuilderFileSystem.removeTree(building)
                throw error
            }
            try await OBuilderFileSystem.removeTree(building)
        }
        return .complete
    }

    public func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String {
        let clone = work + "/cache"
        try await Self.rsync([master + "/", clone])
        return clone
    }

    /// `rsync -aHq` (archive, hard links, quiet) with `arguments`.
    static func rsync(_ arguments: [String]) async throws(OBuilderError) {
        try await HelperCommand.check(["rsync", "-aHq"] + arguments)
    }
}
