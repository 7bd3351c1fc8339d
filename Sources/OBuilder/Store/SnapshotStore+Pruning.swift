// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

extension SnapshotStore {
    /// The percentage of the store's file system that is free, in blocks or inodes, whichever is
    /// lower (computed as OCluster does: 100 − 100·used/(used + available)).
    public func freeSpacePercent() -> Double {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return 100 }
        func free(total: UInt, free: UInt, available: UInt) -> Double {
            let used = Double(total) - Double(free)
            let denominator = used + Double(available)
            return denominator <= 0 ? 100 : 100 - 100 * used / denominator
        }
        let blocks = free(total: UInt(info.f_blocks), free: UInt(info.f_bfree), available: UInt(info.f_bavail))
        let inodes = free(total: UInt(info.f_files), free: UInt(info.f_ffree), available: UInt(info.f_favail))
        return min(blocks, inodes)
    }

    /// Deletes up to `limit` snapshots last used before `before` (seconds since the epoch),
    /// least recently used first. Only snapshots no other snapshot is layered on, and that no
    /// build or reader is using, are candidates; deleting one can make its lower layer a
    /// candidate in turn. Returns how many were deleted.
    @discardableResult
    public func prune(before: Double, limit: Int) async throws(OBuilderError) -> Int {
        var deleted = 0
        while deleted < limit {
            let layeredOn = Set(index.values.compactMap(\.lower))
            let candidates = index.keys.filter { id in
                !layeredOn.contains(id) && pins[id] == nil && (lastUsed[id] ?? 0) < before
            }
            guard let victim = candidates.min(by: { (lastUsed[$0] ?? 0, $0) < (lastUsed[$1] ?? 0, $1) }) else {
                break
            }
            try await remove(victim)
            deleted += 1
        }
        return deleted
    }

    /// If less than `minimumFreePercent` of the disk is free, prunes up to `limit` least recently
    /// used snapshots. Returns how many were deleted.
    @discardableResult
    public func pruneIfNeeded(minimumFreePercent: Double, limit: Int) async throws(OBuilderError) -> Int {
        guard freeSpacePercent() < minimumFreePercent else { return 0 }
        return try await prune(before: Self.now(), limit: limit)
    }

    /// Deletes `id` and every snapshot layered on it.
    public func delete(_ id: String) async throws(OBuilderError) {
        guard index[id] != nil else { return }
        for (child, meta) in index where meta.lower == id {
            try await delete(child)
        }
        guard pins[id] == nil else {
            throw OBuilderError(.store, "snapshot \(id) is in use and cannot be deleted")
        }
        try await remove(id)
    }

    /// Moves the snapshot out of `snapshots/` (so it vanishes atomically), then deletes its files.
    private func remove(_ id: String) async throws(OBuilderError) {
        let trash = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "delete-")
        try OBuilderFileSystem.rename(snapshotDirectory(id), to: trash + "/" + id)
        index[id] = nil
        lastUsed[id] = nil
        try await OBuilderFileSystem.removeTree(trash)
    }
}
