// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Snapshots as complete trees: each step starts from a copy of its parent's root file system
/// (`cp -a --reflink=auto`, which shares blocks on btrfs and XFS). Works on any file system, at
/// the cost of a copy per step.
public struct CopySnapshotBackend: SnapshotBackend {
    public var name: String { "copy" }

    public init() {}

    public func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        try await makeByCopying(
            in: work,
            from: parent,
            scratch: scratch,
            copy: { (source, destination) throws(OBuilderError) in
                try await OBuilderFileSystem.copyTree(source, to: destination)
            },
            body: body
        )
    }
}
