// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension SnapshotStore {
    /// The percentage of the store's space that is free, as its backend measures it (for most,
    /// blocks or inodes of the file system, whichever is lower, computed as OCluster does:
    /// 100 − 100·used/(used + available)).
    public func freeSpacePercent() async -> Double {
        await backend.freeSpacePercent(root: root)
    }

    /// Deletes up to `limit` snapshots and caches last used before `before` (seconds since the
    /// epoch), least recently used first. Only snapshots no other snapshot is layered on or
    /// cloned from, and that no build or reader is using, are candidates, and only caches no
    /// step is using; deleting a snapshot can make its lower layer a candidate in turn. Returns
    /// how many items were deleted.
    @discardableResult
    public func prune(before: Double, limit: Int) async throws(OBuilderError) -> Int {
        var deleted = 0
        while deleted < limit {
            let needed = Set(index.values.flatMap { [$0.lower, $0.origin].compactMap { $0 } })
            let snapshots = index.keys.filter { id in
                !needed.contains(id) && pins[id] == nil && (lastUsed[id] ?? 0) < before
            }
            let oldestSnapshot = snapshots.min(by: { (lastUsed[$0] ?? 0, $0) < (lastUsed[$1] ?? 0, $1) })
            let caches = cacheLastUsed.filter { cacheUsers[$0.key] == nil && $0.value < before }
            let oldestCache = caches.min(by: { ($0.value, $0.key) < ($1.value, $1.key) })
            if let cache = oldestCache, oldestSnapshot.map({ cache.value < (lastUsed[$0] ?? 0) }) ?? true {
                guard try await deleteCache(cache.key) else { break }
            } else if let victim = oldestSnapshot {
                try await remove(victim)
            } else {
                break
            }
            deleted += 1
        }
        return deleted
    }

    /// If less than `minimumFreePercent` of the disk is free, prunes up to `limit` least recently
    /// used snapshots and caches. Returns how many were deleted.
    @discardableResult
    public func pruneIfNeeded(minimumFreePercent: Double, limit: Int) async throws(OBuilderError) -> Int {
        guard await freeSpacePercent() < minimumFreePercent else { return 0 }
        return try await prune(before: Self.now(), limit: limit)
    }

    /// Deletes `id` and every snapshot layered on it or cloned from it.
    public func delete(_ id: String) async throws(OBuilderError) {
        guard index[id] != nil else { return }
        for (child, meta) in index where meta.lower == id || meta.origin == id {
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
        try await backend.removeTree(trash)
    }
}
