// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Snapshots as btrfs subvolumes (OBuilder's `btrfs` store): a step's `rootfs` is a writable
/// snapshot of its parent's, made read-only once the step succeeds, and a cache's clone is a
/// snapshot of the cache's subvolume. Snapshots cost only what the step changes and take the
/// same time whatever the tree's size. Needs root, `btrfs` (btrfs-progs) and a store on btrfs.
public struct BtrfsSnapshotBackend: SnapshotBackend {
    public var name: String { "btrfs" }

    /// `statfs`'s `f_type` for btrfs.
    static let magic = 0x9123_683E

    public init() {}

    public func check(root: String) async throws(OBuilderError) {
        try OBuilderFileSystem.makeDirectories(root, mode: 0o700)
        guard await OBuilderFileSystem.fileSystemType(root) == Self.magic else {
            throw OBuilderError(.store, "btrfs store: \(root) is not on a btrfs file system")
        }
        guard OBuilderFileSystem.findExecutable("btrfs") != nil else {
            throw OBuilderError(.store, "btrfs store: the btrfs command was not found (install btrfs-progs)")
        }
    }

    public func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        let rootfs = work + "/rootfs"
        if let parent {
            guard parent.layers.count == 1 else {
                throw OBuilderError(.store, "btrfs store: snapshot \(parent.id) is not a single subvolume")
            }
            try await Self.btrfs(["subvolume", "snapshot", "--", parent.layers[0], rootfs])
        } else {
            try await Self.btrfs(["subvolume", "create", "--", rootfs])
        }
        try await body(rootfs)
        // Finished snapshots are never written again: make that a guarantee.
        try await Self.btrfs(["property", "set", "-ts", rootfs, "ro", "true"])
        return .complete
    }

    /// Deletes the subvolumes under `path` (deepest first), then what is left.
    public func removeTree(_ path: String) async throws(OBuilderError) {
        guard OBuilderFileSystem.exists(path) else { return }
        for subvolume in try await Self.subvolumes(under: path) {
            try await Self.btrfs(["subvolume", "delete", "--", subvolume])
        }
        try await OBuilderFileSystem.removeTree(path)
    }

    public func makeCache(at path: String) async throws(OBuilderError) -> String {
        try await Self.btrfs(["subvolume", "create", "--", path])
        return path
    }

    public func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String {
        let clone = work + "/cache"
        try await Self.btrfs(["subvolume", "snapshot", "--", master, clone])
        return clone
    }

    /// As OBuilder measures a btrfs store: 100 − 100·Used/Device size, from `btrfs filesystem
    /// usage -b` (what `statvfs` reports on btrfs is an estimate).
    public func freeSpacePercent(root: String) async -> Double {
        guard let result = try? await HelperCommand.run(["btrfs", "filesystem", "usage", "-b", root]),
            result.status == 0
        else { return OBuilderFileSystem.freeSpacePercent(root) }
        var fields: [String: Double] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let number = parts[1].split(whereSeparator: \.isWhitespace).first,
                let value = Double(number)
            else { continue }
            fields[parts[0].split(whereSeparator: \.isWhitespace).joined(separator: " ")] = value
        }
        guard let used = fields["Used"], let size = fields["Device size"], size > 0 else {
            return OBuilderFileSystem.freeSpacePercent(root)
        }
        return 100 - 100 * used / size
    }

    /// Subvolume roots at `path` or up to two levels below (where the store puts them: a
    /// snapshot's `rootfs`, a cache, a cache clone in its work directory), deepest first. On
    /// btrfs, subvolume roots are exactly the directories with inode number 256.
    static func subvolumes(under path: String) async throws(OBuilderError) -> [String] {
        let result = try await HelperCommand.run([
            "find", path, "-maxdepth", "2", "-type", "d", "-inum", "256", "-print0",
        ])
        guard result.status == 0 else {
            throw OBuilderError(.store, "cannot list subvolumes in \(path): \(HelperCommand.trimmed(result.output))")
        }
        let paths = result.output.split(separator: "\0").map(String.init)
        return paths.sorted { $0.count > $1.count }
    }

    static func btrfs(_ arguments: [String]) async throws(OBuilderError) {
        try await HelperCommand.check(["btrfs"] + arguments)
    }
}
