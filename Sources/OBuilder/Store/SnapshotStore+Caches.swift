// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

extension SnapshotStore {
    /// Runs `body` with a private, writable copy of the cache `name` (created empty and owned by
    /// `uid:gid` with mode 1777 if it does not exist yet), as OBuilder does for `(run (cache (NAME …)))`.
    ///
    /// Afterwards, whether `body` succeeded or not, the copy becomes the new version of the cache,
    /// unless another user of the same cache finished first, in which case this copy is discarded.
    public func withCache<R: Sendable>(
        _ name: String,
        uid: UInt32,
        gid: UInt32,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw OBuilderError(.invalidSpec, "invalid cache name \"\(name)\"")
        }
        let master = root + "/caches/" + name
        if !OBuilderFileSystem.isDirectory(master) {
            let fresh = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "cache-new-")
            guard chown(fresh, uid, gid) == 0, chmod(fresh, 0o1777) == 0 else {
                throw OBuilderError(.fileSystem, "cannot set up cache \(name): \(OBuilderFileSystem.errorText())")
            }
            try OBuilderFileSystem.rename(fresh, to: master)
        }
        let generation = cacheGenerations[name, default: 0]
        let work = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "cache-")
        let copy = work + "/cache"
        try await OBuilderFileSystem.copyTree(master, to: copy)
        let result: Result<R, OBuilderError>
        do throws(OBuilderError) {
            result = .success(try await body(copy))
        } catch {
            result = .failure(error)
        }
        if cacheGenerations[name, default: 0] == generation {
            cacheGenerations[name] = generation + 1
            let old = work + "/old"
            try OBuilderFileSystem.rename(master, to: old)
            try OBuilderFileSystem.rename(copy, to: master)
        }
        try await OBuilderFileSystem.removeTree(work)
        return try result.get()
    }
}
