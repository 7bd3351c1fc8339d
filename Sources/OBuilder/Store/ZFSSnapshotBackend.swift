// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Snapshots as ZFS clones (OBuilder's `zfs` store): a step's root file system is a dataset
/// cloned from its parent's `@snap` snapshot and snapshotted as `@snap` once the step succeeds;
/// a cache's clone is a clone of the cache dataset, promoted to replace it when committed.
///
/// The store's own files live in the pool's mount point (`PREFIX/POOL`); each snapshot or cache
/// directory holds a `zfs-dataset` file naming its dataset, and a snapshot's `rootfs` is a
/// symbolic link to the dataset's read-only `.zfs/snapshot/snap` view. A clone's origin must
/// outlive it, so a snapshot records its parent as its ``SnapshotLayering/origin`` and pruning
/// deletes children first. Needs root and the `zfs`/`zpool` commands.
public struct ZFSSnapshotBackend: SnapshotBackend {
    public var name: String { "zfs" }
    /// The pool (or dataset) holding the store's datasets.
    public let pool: String
    static let snapshotName = "snap"

    public init(pool: String) { self.pool = pool }

    public func check(root: String) async throws(OBuilderError) {
        guard OBuilderFileSystem.findExecutable("zfs") != nil else {
            throw OBuilderError(.store, "zfs store: the zfs command was not found (ZFS is not installed here)")
        }
        let result = try await HelperCommand.run(["zfs", "list", "-H", "-o", "name", pool])
        guard result.status == 0 else {
            throw OBuilderError(.store, "zfs store: no ZFS pool \(pool): \(HelperCommand.trimmed(result.output))")
        }
        for group in ["result", "cache"] where !(try await exists(pool + "/" + group)) {
            try await zfs(["create", "--", pool + "/" + group])
        }
    }

    public func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        let dataset = newDataset("result")
        try OBuilderFileSystem.writeFile(work + "/zfs-dataset", dataset + "\n")
        if let parent {
            let origin = try datasetName(in: OBuilderFileSystem.parent(of: parent.layers[0]))
            try await zfs(["clone", "--", origin + "@" + Self.snapshotName, dataset])
        } else {
            try await zfs(["create", "--", dataset])
        }
        let mountPoint = try await self.mountPoint(of: dataset)
        try await body(mountPoint)
        try await zfs(["snapshot", "--", dataset + "@" + Self.snapshotName])
        guard symlink(mountPoint + "/.zfs/snapshot/" + Self.snapshotName, work + "/rootfs") == 0 else {
            throw OBuilderError(.fileSystem, "cannot link \(work)/rootfs: \(OBuilderFileSystem.errorText())")
        }
        return SnapshotLayering(origin: parent?.id)
    }

    /// Destroys the datasets named by `zfs-dataset` files in `path` and the directories right
    /// below it (where the store puts snapshots, caches and clones), then the directory.
    public func removeTree(_ path: String) async throws(OBuilderError) {
        let children = (try? OBuilderFileSystem.listDirectory(path)) ?? []
        for directory in [path] + children.map({ path + "/" + $0 }) {
            guard let dataset = try? datasetName(in: directory) else { continue }
            if try await exists(dataset) { try await zfs(["destroy", "-r", "-f", "--", dataset]) }
        }
        try await OBuilderFileSystem.removeTree(path)
    }

    public func makeCache(at path: String) async throws(OBuilderError) -> String {
        try OBuilderFileSystem.makeDirectory(path)
        let dataset = newDataset("cache")
        try await zfs(["create", "--", dataset])
        try OBuilderFileSystem.writeFile(path + "/zfs-dataset", dataset + "\n")
        let mountPoint = try await self.mountPoint(of: dataset)
        guard symlink(mountPoint, path + "/data") == 0 else {
            throw OBuilderError(.fileSystem, "cannot link \(path)/data: \(OBuilderFileSystem.errorText())")
        }
        return mountPoint
    }

    public func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String {
        let source = try datasetName(in: master)
        let snapshot = source + "@" + newToken()
        try await zfs(["snapshot", "--", snapshot])
        let clone = newDataset("cache")
        try OBuilderFileSystem.makeDirectory(work + "/cache")
        try OBuilderFileSystem.writeFile(work + "/cache/zfs-dataset", clone + "\n")
        try await zfs(["clone", "--", snapshot, clone])
        // The snapshot goes once nothing is cloned from it any more.
        try await zfs(["destroy", "-d", "--", snapshot])
        let mountPoint = try await self.mountPoint(of: clone)
        guard symlink(mountPoint, work + "/cache/data") == 0 else {
            throw OBuilderError(.fileSystem, "cannot link \(work)/cache/data: \(OBuilderFileSystem.errorText())")
        }
        return mountPoint
    }

    /// Promotes the clone (the old cache then depends on it, not the reverse) and swaps it in.
    public func commitCache(_ master: String, from work: String) async throws(OBuilderError) {
        try await zfs(["promote", try datasetName(in: work + "/cache")])
        try OBuilderFileSystem.rename(master, to: work + "/old")
        try OBuilderFileSystem.rename(work + "/cache", to: master)
    }

    public func freeSpacePercent(root: String) async -> Double {
        guard let result = try? await HelperCommand.run(["zpool", "list", "-Hp", "-o", "capacity", poolName]),
            result.status == 0,
            let used = Double(HelperCommand.trimmed(result.output))
        else { return OBuilderFileSystem.freeSpacePercent(root) }
        return 100 - used
    }

    /// The pool part of ``pool`` (before any `/`), as `zpool` wants it.
    var poolName: String { String(pool.split(separator: "/").first ?? Substring(pool)) }

    private func newToken() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    private func newDataset(_ group: String) -> String {
        pool + "/" + group + "/" + newToken()
    }

    private func datasetName(in directory: String) throws(OBuilderError) -> String {
        guard let text = OBuilderFileSystem.readText(directory + "/zfs-dataset"),
            let name = text.split(separator: "\n").first, name.hasPrefix(pool + "/")
        else {
            throw OBuilderError(.store, "zfs store: \(directory) names no dataset of \(pool)")
        }
        return String(name)
    }

    private func exists(_ dataset: String) async throws(OBuilderError) -> Bool {
        try await HelperCommand.run(["zfs", "list", "-H", "-o", "name", dataset]).status == 0
    }

    private func mountPoint(of dataset: String) async throws(OBuilderError) -> String {
        let result = try await HelperCommand.run(["zfs", "get", "-H", "-o", "value", "mountpoint", dataset])
        let path = HelperCommand.trimmed(result.output)
        guard result.status == 0, path.hasPrefix("/") else {
            throw OBuilderError(.store, "zfs store: dataset \(dataset) is not mounted: \(path)")
        }
        return path
    }

    private func zfs(_ arguments: [String]) async throws(OBuilderError) {
        try await HelperCommand.check(["zfs"] + arguments)
    }
}
