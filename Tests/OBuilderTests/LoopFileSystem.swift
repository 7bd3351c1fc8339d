// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// A file system made for one test: a sparse image file, formatted and loop-mounted (needs root,
/// a free loop device and the file system's mkfs). ``with(_:size:_:)`` unmounts it and deletes
/// the image whatever happens.
struct LoopFileSystem {
    enum Kind: String, Sendable {
        case btrfs
        case xfs
    }

    let image: String
    let mountPoint: String

    static func with<R>(
        _ kind: Kind,
        size: String = "512M",
        _ body: (LoopFileSystem) async throws -> R
    ) async throws -> R {
        let base = FileManager.default.temporaryDirectory.path + "/loop-\(kind)-\(UUID().uuidString.prefix(8))"
        let system = LoopFileSystem(image: base + ".img", mountPoint: base)
        do {
            try await system.make(kind, size: size)
            let result = try await body(system)
            await system.remove()
            return result
        } catch {
            await system.remove()
            throw error
        }
    }

    private func make(_ kind: Kind, size: String) async throws {
        try await Self.check(["truncate", "-s", size, image])
        switch kind {
        case .btrfs: try await Self.check(["mkfs.btrfs", "-q", image])
        case .xfs: try await Self.check(["mkfs.xfs", "-q", "-m", "reflink=1", image])
        }
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try await Self.check(["mount", "-o", "loop", image, mountPoint])
    }

    /// Unmounts (detaching lazily if something still holds it; the loop device goes with the
    /// last reference) and deletes the image.
    func remove() async {
        for mountPoint in OverlayMount.mounts(under: mountPoint) { OverlayMount.unmount(mountPoint) }
        if (try? await HelperCommand.run(["umount", mountPoint]))?.status != 0 {
            _ = try? await HelperCommand.run(["umount", "-l", mountPoint])
        }
        _ = rmdir(mountPoint)
        _ = unlink(image)
    }

    /// Bytes used on the file system (as `statvfs` sees them).
    func usedBytes() -> Int {
        var info = statvfs()
        guard statvfs(mountPoint, &info) == 0 else { return 0 }
        return Int(info.f_blocks - info.f_bfree) * Int(info.f_frsize)
    }

    static func check(_ arguments: [String]) async throws {
        let result = try await HelperCommand.run(arguments)
        guard result.status == 0 else {
            throw OBuilderError(.fileSystem, "\(arguments.joined(separator: " ")) failed: \(result.output)")
        }
    }
}

/// The stores every store test runs on.
enum TestStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case btrfs
    case xfs
    case rsyncCopy = "rsync-copy"
    case rsyncHardlink = "rsync-hardlink"
    case rsyncHardlinkUnsafe = "rsync-hardlink_unsafe"
    case overlayfs

    var testDescription: String { rawValue }

    /// Runs `body` with the store's spec, on a file system made for it where it needs one.
    func with<R>(_ body: (StoreSpec) async throws -> R) async throws -> R {
        switch self {
        case .btrfs:
            return try await LoopFileSystem.with(.btrfs) { system in
                try await body(.btrfs(system.mountPoint + "/store"))
            }
        case .xfs:
            return try await LoopFileSystem.with(.xfs) { system in try await body(.xfs(system.mountPoint + "/store")) }
        case .rsyncCopy, .rsyncHardlink, .rsyncHardlinkUnsafe, .overlayfs:
            let path = FileManager.default.temporaryDirectory.path + "/store-\(rawValue)-\(UUID().uuidString.prefix(8))"
            let spec: StoreSpec =
                switch self {
                case .rsyncCopy: .rsync(path, .copy)
                case .rsyncHardlink: .rsync(path, .hardlink)
                case .rsyncHardlinkUnsafe: .rsync(path, .hardlinkUnsafe)
                default: .overlayfs(path)
                }
            do {
                let result = try await body(spec)
                await Self.remove(path)
                return result
            } catch {
                await Self.remove(path)
                throw error
            }
        }
    }

    static func remove(_ path: String) async {
        for mountPoint in OverlayMount.mounts(under: path) { OverlayMount.unmount(mountPoint) }
        try? await OBuilderFileSystem.removeTree(path)
    }
}
