// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Snapshots as reflink copies (OBuilder's `xfs` store): each step starts from a copy of its
/// parent's tree made with `cp --reflink=always`, which shares every file's blocks, so a copy
/// costs the tree's metadata, not its data; caches are cloned the same way. Needs a file system
/// with reflinks (XFS made with `-m reflink=1`, btrfs).
public struct ReflinkSnapshotBackend: SnapshotBackend {
    public var name: String { "xfs" }

    public init() {}

    /// Refuses a store whose file system cannot share blocks (a reflink copy of a probe file).
    public func check(root: String) async throws(OBuilderError) {
        try OBuilderFileSystem.makeDirectories(root, mode: 0o700)
        let probe = try OBuilderFileSystem.makeTemporaryDirectory(in: root, prefix: "reflink-probe-")
        defer {
            _ = unlink(probe + "/a")
            _ = unlink(probe + "/b")
            _ = rmdir(probe)
        }
        try OBuilderFileSystem.writeFile(probe + "/a", "probe\n")
        let result = try await HelperCommand.run(["cp", "--reflink=always", "--", probe + "/a", probe + "/b"])
        guard result.status == 0 else {
            throw OBuilderError(
                .store,
                "xfs store: \(root) does not support reflink copies (XFS needs mkfs.xfs -m reflink=1): "
                    + HelperCommand.trimmed(result.output)
            )
        }
    }

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
            copy: { (source, destination) throws(OBuilderError) in try await Self.copy(source, to: destination) },
            body: body
        )
    }

    public func cloneCache(_ master: String, in work: String) async throws(OBuilderError) -> String {
        let clone = work + "/cache"
        try await Self.copy(master, to: clone)
        return clone
    }

    static func copy(_ source: String, to destination: String) async throws(OBuilderError) {
        try await HelperCommand.check(["cp", "-a", "--reflink=always", "--", source, destination])
    }
}
