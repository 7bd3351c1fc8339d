// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

extension SnapshotStore {
    /// Runs `body` with a read-only view of snapshot `id`'s complete root file system.
    ///
    /// The snapshot cannot be pruned meanwhile. `body` must not write to the path.
    public func withReadableRoot<R: Sendable>(
        of id: String,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R {
        guard index[id] != nil else { throw OBuilderError(.store, "snapshot \(id) is not in the store") }
        pin(id)
        defer { unpin(id) }
        markUsed(id)
        let lower = layers(of: id)
        if lower.count == 1 { return try await body(lower[0]) }
        let view = try OBuilderFileSystem.makeTemporaryDirectory(in: root + "/tmp", prefix: "view-")
        defer { _ = rmdir(view) }
        try OverlayMount.mount(lower: lower, upper: nil, work: nil, at: view)
        defer { OverlayMount.unmount(view) }
        return try await body(view)
    }
}
