// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Which store to use, as OBuilder's `--store` (ocluster's `--obuilder-store`) and `--rsync-mode`
/// name it: `btrfs:/path`, `zfs:pool`, `rsync:/path` (with a mode), `xfs:/path`,
/// `overlayfs:/path`, `docker:path`, `qemu:/path` or `hcs:path`.
public enum StoreSpec: Hashable, Sendable, CustomStringConvertible {
    /// Subvolume snapshots on a btrfs file system: ``BtrfsSnapshotBackend``.
    case btrfs(String)
    /// Clones in a ZFS pool, given as `POOL` (mounted at `/POOL`) or `/PREFIX/POOL`: ``ZFSSnapshotBackend``.
    case zfs(String)
    /// Complete copies made with rsync: ``RsyncSnapshotBackend``.
    case rsync(String, RsyncSnapshotBackend.Mode)
    /// Reflink copies (XFS with reflinks, or any file system with them): ``ReflinkSnapshotBackend``.
    case xfs(String)
    /// Overlay layers: ``OverlaySnapshotBackend``.
    case overlayfs(String)
    /// Snapshots as Docker images, steps as containers: ``DockerSnapshotBackend`` with a ``DockerSandbox``.
    case docker(String)
    /// QEMU disk images (OBuilder's QEMU store and sandbox).
    case qemu(String)
    /// Windows containers (OBuilder's HCS store).
    case hcs(String)

    /// Parses a store and the `--rsync-mode` that goes with it, with OBuilder's checks and messages.
    public static func parse(_ text: String, rsyncMode: String? = nil) throws(OBuilderError) -> StoreSpec {
        let store = try parse(text)
        let mode: RsyncSnapshotBackend.Mode?
        if let rsyncMode {
            guard let parsed = RsyncSnapshotBackend.Mode(rawValue: rsyncMode) else {
                throw OBuilderError(
                    .invalidStore,
                    "invalid value '\(rsyncMode)', expected one of 'copy', 'hardlink' or 'hardlink_unsafe'"
                )
            }
            mode = parsed
        } else {
            mode = nil
        }
        switch (store, mode) {
        case (.rsync(let path, _), let mode?): return .rsync(path, mode)
        case (.rsync, nil): throw OBuilderError(.invalidStore, "Store rsync:/ must supply an rsync-mode")
        case (_, nil): return store
        case (_, _?):
            throw OBuilderError(
                .invalidStore,
                "Store type required must be one of btrfs:/path, rsync:/path, xfs:/path, zfs:pool, qemu:/path, "
                    + "hcs:path or docker:path for the OBuilder cache."
            )
        }
    }

    /// Parses `KIND:PATH` alone (an rsync store gets the ``RsyncSnapshotBackend/Mode/copy`` mode).
    private static func parse(_ text: String) throws(OBuilderError) -> StoreSpec {
        let invalid = OBuilderError(
            .invalidStore,
            "Store must start with zfs:, btrfs:/, rsync:/, xfs:/, qemu:/, hcs: or overlayfs:"
        )
        guard let colon = text.firstIndex(of: ":") else { throw invalid }
        let path = String(text[text.index(after: colon)...])
        let absolute = path.hasPrefix("/")
        switch text[..<colon] {
        case "zfs": return .zfs(path)
        case "btrfs" where absolute: return .btrfs(path)
        case "rsync" where absolute: return .rsync(path, .copy)
        case "xfs" where absolute: return .xfs(path)
        case "overlayfs" where absolute: return .overlayfs(path)
        case "docker": return .docker(path)
        case "qemu": return .qemu(path)
        case "hcs": return .hcs(path)
        default: throw invalid
        }
    }

    /// As OBuilder prints it (without the rsync mode).
    public var description: String {
        switch self {
        case .btrfs(let path): "btrfs:" + path
        case .zfs(let pool): "zfs:" + pool
        case .rsync(let path, _): "rsync:" + path
        case .xfs(let path): "xfs:" + path
        case .overlayfs(let path): "overlayfs:" + path
        case .docker(let path): "docker:" + path
        case .qemu(let path): "qemu:" + path
        case .hcs(let path): "hcs:" + path
        }
    }

    /// Where the store keeps its files, and the backend that makes its snapshots.
    ///
    /// - Throws: ``OBuilderError/Code/invalidStore`` for a store this platform cannot run.
    public func backend() throws(OBuilderError) -> (root: String, backend: any SnapshotBackend) {
        switch self {
        case .btrfs(let path): return (path, BtrfsSnapshotBackend())
        case .rsync(let path, let mode): return (path, RsyncSnapshotBackend(mode: mode))
        case .xfs(let path): return (path, ReflinkSnapshotBackend())
        case .overlayfs(let path): return (path, OverlaySnapshotBackend())
        case .zfs(let path):
            // As OBuilder: the pool is the last component, mounted under the rest (default "/").
            let pool = path.split(separator: "/").last.map(String.init) ?? ""
            guard !pool.isEmpty else { throw OBuilderError(.invalidStore, "zfs store: no pool in \"\(path)\"") }
            let prefix = path.hasPrefix("/") ? String(path.dropLast(pool.count)) : "/"
            return (prefix + pool, ZFSSnapshotBackend(pool: pool))
        case .docker(let path):
            // OBuilder takes the path as given; the store's files need an absolute one.
            let root = OBuilderFileSystem.absolute(path)
            return (root, DockerSnapshotBackend(root: root))
        case .qemu, .hcs:
            throw OBuilderError(.invalidStore, "Store \(self) is not supported on this platform")
        }
    }

    /// Opens (creating if needed) the store.
    public func open() async throws(OBuilderError) -> SnapshotStore {
        let (root, backend) = try backend()
        return try await SnapshotStore(root: root, backend: backend)
    }
}
