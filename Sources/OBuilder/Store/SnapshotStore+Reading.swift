// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

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
        return try await backend.withReadableRoot(of: layers(of: id), scratch: root + "/tmp", body)
    }
}
