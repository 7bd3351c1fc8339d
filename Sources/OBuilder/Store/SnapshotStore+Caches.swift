// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

extension SnapshotStore {
    /// Runs `body` with a private, writable clone of the cache `name` (created empty and owned by
    /// `uid:gid` with mode 1777 if it does not exist yet), as OBuilder does for `(run (cache (NAME …)))`.
    ///
    /// The clone is the backend's native one (a btrfs snapshot, an overlay layer, a reflink or
    /// rsync copy, a ZFS clone). Afterwards, whether `body` succeeded or not, the clone becomes
    /// the new version of the cache, unless another user of the same cache finished first, in
    /// which case this clone is discarded. A cache in use is never pruned.
    public func withCache<R: Sendable>(
        _ name: String,
        uid: UInt32,
        gid: UInt32,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw OBuilderError(.invalidSpec, "invalid cache name \"\(name)\"")
        }
        cacheUsers[name, default: 0] += 1
        defer {
            cacheUsers[name, default: 1] -= 1
            if cacheUsers[name] == 0 { cacheUsers[name] = nil }
        }
        markCacheUsed(name)
        let master = cacheDirectory(name)
        if !OBuilderFileSystem.exists(master) {
            let work = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "cache-new-")
            do throws(OBuilderError) {
                let visible = try await backend.makeCache(at: work + "/cache")
                guard chown(visible, uid, gid) == 0, chmod(visible, 0o1777) == 0 else {
                    throw OBuilderError(.fileSystem, "cannot set up cache \(name): \(OBuilderFileSystem.errorText())")
                }
                try OBuilderFileSystem.rename(work + "/cache", to: master)
            } catch {
                try? await backend.removeTree(work)
                throw error
            }
            try await backend.removeTree(work)
        }
        let generation = cacheGenerations[name, default: 0]
        let work = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "cache-")
        let result: Result<R, OBuilderError>
        do throws(OBuilderError) {
            let clone = try await backend.cloneCache(master, in: work)
            do throws(OBuilderError) {
                result = .success(try await body(clone))
            } catch {
                result = .failure(error)
            }
            if cacheGenerations[name, default: 0] == generation {
                cacheGenerations[name] = generation + 1
                try await backend.commitCache(master, from: work)
            } else {
                try await backend.discardCache(in: work)
            }
        } catch {
            try? await backend.discardCache(in: work)
            try? await backend.removeTree(work)
            throw error
        }
        try await backend.removeTree(work)
        markCacheUsed(name)
        return try result.get()
    }

    /// Every cache's name, sorted.
    public func cacheNames() throws(OBuilderError) -> [String] {
        try OBuilderFileSystem.listDirectory(root + "/caches")
    }

    /// Deletes the cache `name` unless a step is using it. Returns whether it was deleted.
    @discardableResult
    public func deleteCache(_ name: String) async throws(OBuilderError) -> Bool {
        guard cacheUsers[name] == nil else { return false }
        let master = cacheDirectory(name)
        cacheGenerations[name, default: 0] += 1
        cacheLastUsed[name] = nil
        _ = unlink(root + "/cache-used/" + name)
        guard OBuilderFileSystem.exists(master) else { return true }
        let trash = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "delete-")
        try OBuilderFileSystem.rename(master, to: trash + "/cache")
        try await backend.removeTree(trash)
        return true
    }

    func cacheDirectory(_ name: String) -> String { root + "/caches/" + name }

    func markCacheUsed(_ name: String) {
        let time = Self.now()
        cacheLastUsed[name] = time
        try? OBuilderFileSystem.writeFileAtomically(root + "/cache-used/" + name, String(time))
    }

    /// When each cache was last used, read at start-up (a cache never used since then counts as
    /// used when the store was opened).
    func loadCacheUse() throws(OBuilderError) {
        let opened = Self.now()
        for name in try OBuilderFileSystem.listDirectory(root + "/caches") {
            cacheLastUsed[name] =
                OBuilderFileSystem.readText(root + "/cache-used/" + name).flatMap { Double($0) } ?? opened
        }
    }
}
