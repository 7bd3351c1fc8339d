// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// A finished snapshot as a ``SnapshotBackend`` sees it: its id and its layers.
public struct SnapshotLayers: Hashable, Sendable {
    /// The snapshot's id.
    public var id: String
    /// The `rootfs` directories of its layers, topmost first: one for a complete tree, more for
    /// overlay layers stacked on their lower snapshots.
    public var layers: [String]

    public init(id: String, layers: [String]) {
        self.id = id
        self.layers = layers
    }

    /// Runs `body` with a read-only view of the complete root file system: the one layer's
    /// directory, or an overlay of all of them mounted in `scratch` for the call.
    ///
    /// `body` must not write to the path.
    public func withReadableRoot<R: Sendable>(
        scratch: String,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R {
        if layers.count == 1 { return try await body(layers[0]) }
        let view = try OBuilderFileSystem.makeTemporaryDirectory(in: scratch, prefix: "view-")
        defer { _ = rmdir(view) }
        try OverlayMount.mount(lower: layers, upper: nil, work: nil, at: view)
        defer { OverlayMount.unmount(view) }
        return try await body(view)
    }
}
