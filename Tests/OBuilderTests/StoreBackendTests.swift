// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// Every store on a real file system (btrfs and XFS made on loop devices in the test): snapshots,
/// caches as native clones, pruning of both, and what makes each store what it is.
@Suite(.serialized) struct StoreBackendTests {
    /// base → a → b, writing and deleting files, read back; then reopened.
    @Test(arguments: TestStore.allCases) func snapshotsLayerOnTheirParents(_ kind: TestStore) async throws {
        try await kind.with { spec in
            let store = try await spec.open()
            _ = try await store.build(id: "base", parent: nil) { step throws(OBuilderError) in
                try OBuilderFileSystem.writeFile(step.rootfs + "/base.txt", "base\n")
                try OBuilderFileSystem.writeFile(step.rootfs + "/gone.txt", "gone\n")
            }
            _ = try await store.build(id: "a", parent: "base") { step throws(OBuilderError) in
                #expect(OBuilderFileSystem.readText(step.rootfs + "/base.txt") == "base\n")
                try OBuilderFileSystem.writeFile(step.rootfs + "/a.txt", "a\n")
                _ = unlink(step.rootfs + "/gone.txt")
            }
            let files = try await store.withReadableRoot(of: "a") { root throws(OBuilderError) in
                try OBuilderFileSystem.listDirectory(root)
            }
            #expect(files == ["a.txt", "base.txt"])
            let baseFiles = try await store.withReadableRoot(of: "base") { root throws(OBuilderError) in
                try OBuilderFileSystem.listDirectory(root)
            }
            #expect(baseFiles == ["base.txt", "gone.txt"], "a child's changes do not reach its parent")
            let reopened = try await spec.open()
            #expect(await reopened.snapshotIDs() == ["a", "base"])
            // Pruning deletes children before their parents, and empties the store.
            #expect(try await reopened.prune(before: SnapshotStore.now() + 100, limit: 10) == 2)
            #expect(await reopened.snapshotIDs() == [])
            #expect(try OBuilderFileSystem.listDirectory(reopened.root + "/tmp") == [])
        }
    }

    /// A cache clone is private until the step ends, then becomes the cache; a clone that lost
    /// the race is discarded; a cache not in use is pruned like a snapshot.
    @Test(arguments: TestStore.allCases) func cachesAreClonedAndCommitted(_ kind: TestStore) async throws {
        try await kind.with { spec in
            let store = try await spec.open()
            let master = store.root + "/caches/c"
            try await store.withCache("c", uid: 1000, gid: 1000) { path throws(OBuilderError) in
                var info = stat()
                #expect(lstat(path, &info) == 0 && info.st_uid == 1000 && info.st_mode & 0o7777 == 0o1777)
                try OBuilderFileSystem.makeDirectory(path + "/d")
                try OBuilderFileSystem.writeFile(path + "/d/one", "1\n")
                try OBuilderFileSystem.writeFile(path + "/gone", "x\n")
                #expect(!OBuilderFileSystem.exists(master + "/d"), "the clone is private while the step runs")
            }
            try await store.withCache("c", uid: 1000, gid: 1000) { path throws(OBuilderError) in
                #expect(OBuilderFileSystem.readText(path + "/d/one") == "1\n")
                try OBuilderFileSystem.writeFile(path + "/d/two", "2\n")
                #expect(unlink(path + "/gone") == 0)
                // A second user finishes first: this clone's changes are then dropped.
                try await store.withCache("c", uid: 1000, gid: 1000) { inner throws(OBuilderError) in
                    #expect(!OBuilderFileSystem.exists(inner + "/d/two"))
                    try OBuilderFileSystem.writeFile(inner + "/inner", "in\n")
                }
            }
            try await store.withCache("c", uid: 1000, gid: 1000) { path throws(OBuilderError) in
                #expect(OBuilderFileSystem.readText(path + "/inner") == "in\n")
                #expect(!OBuilderFileSystem.exists(path + "/d/two"))
                #expect(OBuilderFileSystem.exists(path + "/gone"))
            }
            // A commit that deletes files and replaces a directory by a file.
            try await store.withCache("c", uid: 1000, gid: 1000) { path throws(OBuilderError) in
                #expect(unlink(path + "/gone") == 0)
                try await OBuilderFileSystem.removeTree(path + "/d")
                try OBuilderFileSystem.writeFile(path + "/d", "file now\n")
            }
            try await store.withCache("c", uid: 1000, gid: 1000) { path throws(OBuilderError) in
                #expect(!OBuilderFileSystem.exists(path + "/gone"))
                #expect(OBuilderFileSystem.readText(path + "/d") == "file now\n")
            }
            #expect(try OBuilderFileSystem.listDirectory(store.root + "/tmp") == [])
            #expect(try await store.cacheNames() == ["c"])
            #expect(try await store.prune(before: SnapshotStore.now() + 100, limit: 10) == 1)
            #expect(try await store.cacheNames() == [])
            #expect(try OBuilderFileSystem.listDirectory(store.root + "/tmp") == [])
        }
    }

    /// btrfs: snapshots and caches are subvolumes, finished snapshots read-only, and a snapshot
    /// of a big tree takes no space.
    @Test func btrfsSnapshotsAreSubvolumes() async throws {
        try await TestStore.btrfs.with { spec in
            let store = try await spec.open()
            #expect(store.backend.name == "btrfs")
            _ = try await store.build(id: "base", parent: nil) { step throws(OBuilderError) in
                try await HelperCommand.check(["dd", "if=/dev/urandom", "of=\(step.rootfs)/big", "bs=1M", "count=64"])
            }
            _ = try await HelperCommand.run(["sync"])
            let before = LoopFileSystem.used(store.root)
            _ = try await store.build(id: "child", parent: "base") { step throws(OBuilderError) in
                #expect(OBuilderFileSystem.exists(step.rootfs + "/big"))
            }
            _ = try await HelperCommand.run(["sync"])
            #expect(LoopFileSystem.used(store.root) - before < 16 << 20, "the snapshot shares the 64 MiB file")
            // Free space as btrfs counts it: about what statvfs says on this nearly empty disk.
            let free = await store.freeSpacePercent()
            #expect(free > 50 && free < 100)
            #expect(abs(free - OBuilderFileSystem.freeSpacePercent(store.root)) < 25)
            let rootfs = store.root + "/snapshots/child/rootfs"
            var info = stat()
            #expect(stat(rootfs, &info) == 0 && info.st_ino == 256)
            let property = try await HelperCommand.run(["btrfs", "property", "get", "-ts", rootfs, "ro"])
            #expect(property.output.contains("ro=true"))
            try await store.withCache("c", uid: 0, gid: 0) { path throws(OBuilderError) in
                var info = stat()
                #expect(stat(path, &info) == 0 && info.st_ino == 256, "a cache clone is a subvolume")
            }
            // A btrfs snapshot does not depend on its parent: the parent can go first.
            try await store.delete("base")
            #expect(await store.snapshotIDs() == ["child"])
            #expect(OBuilderFileSystem.exists(rootfs + "/big"))
        }
    }

    /// xfs: a step's copy of its parent shares the parent's blocks (reflinks).
    @Test func xfsCopiesShareBlocks() async throws {
        try await TestStore.xfs.with { spec in
            let store = try await spec.open()
            _ = try await store.build(id: "base", parent: nil) { step throws(OBuilderError) in
                try await HelperCommand.check(["dd", "if=/dev/urandom", "of=\(step.rootfs)/big", "bs=1M", "count=64"])
            }
            _ = try await HelperCommand.run(["sync"])
            let before = LoopFileSystem.used(store.root)
            _ = try await store.build(id: "child", parent: "base") { step throws(OBuilderError) in
                #expect(OBuilderFileSystem.exists(step.rootfs + "/big"))
            }
            try await store.withCache("c", uid: 0, gid: 0) { path throws(OBuilderError) in
                try await HelperCommand.check(["dd", "if=/dev/urandom", "of=\(path)/big", "bs=1M", "count=32"])
            }
            _ = try await HelperCommand.run(["sync"])
            let afterCache = LoopFileSystem.used(store.root)
            try await store.withCache("c", uid: 0, gid: 0) { path throws(OBuilderError) in
                #expect(OBuilderFileSystem.exists(path + "/big"))
            }
            _ = try await HelperCommand.run(["sync"])
            #expect(LoopFileSystem.used(store.root) - before < (32 + 16) << 20, "64 MiB shared, 32 MiB cache once")
            #expect(LoopFileSystem.used(store.root) - afterCache < 16 << 20, "a cache clone shares its blocks")
        }
    }

    /// rsync modes: `copy` copies every file; `hardlink` links files identical to the parent's by
    /// checksum; `hardlink_unsafe` by size and time, so it links a file changed in place with
    /// its size and time kept (as OBuilder's does).
    @Test(arguments: [TestStore.rsyncCopy, .rsyncHardlink, .rsyncHardlinkUnsafe])
    func rsyncModes(_ kind: TestStore) async throws {
        try await kind.with { spec in
            let store = try await spec.open()
            _ = try await store.build(id: "base", parent: nil) { step throws(OBuilderError) in
                try OBuilderFileSystem.writeFile(step.rootfs + "/same", "same\n")
                try OBuilderFileSystem.writeFile(step.rootfs + "/sneaky", "aaaa\n")
            }
            _ = try await store.build(id: "child", parent: "base") { step throws(OBuilderError) in
                // Rewritten with the same size, then its modification time put back.
                try await HelperCommand.check(["cp", "-p", step.rootfs + "/sneaky", step.rootfs + "/time"])
                try OBuilderFileSystem.writeFile(step.rootfs + "/sneaky", "bbbb\n")
                try await HelperCommand.check(["touch", "-r", step.rootfs + "/time", step.rootfs + "/sneaky"])
                _ = unlink(step.rootfs + "/time")
            }
            func inode(_ id: String, _ name: String) -> UInt {
                var info = stat()
                _ = lstat(store.root + "/snapshots/\(id)/rootfs/\(name)", &info)
                return UInt(info.st_ino)
            }
            let sameLinked = inode("base", "same") == inode("child", "same")
            let sneakyLinked = inode("base", "sneaky") == inode("child", "sneaky")
            let sneaky = OBuilderFileSystem.readText(store.root + "/snapshots/child/rootfs/sneaky")
            switch kind {
            case .rsyncCopy:
                #expect(!sameLinked && !sneakyLinked)
                #expect(sneaky == "bbbb\n")
            case .rsyncHardlink:
                #expect(sameLinked && !sneakyLinked)
                #expect(sneaky == "bbbb\n")
            default:
                #expect(sameLinked && sneakyLinked)
                #expect(sneaky == "aaaa\n", "the unsafe mode trusts size and time")
            }
        }
    }

    /// Overlay: a cache clone is a layer, so cloning a big cache costs nothing and only the
    /// changes are written back.
    @Test func overlayCacheClonesAreLayers() async throws {
        try await TestStore.overlayfs.with { spec in
            let store = try await spec.open()
            try await store.withCache("c", uid: 0, gid: 0) { path throws(OBuilderError) in
                try await HelperCommand.check(["dd", "if=/dev/zero", "of=\(path)/big", "bs=1M", "count=16"])
            }
            var before = stat()
            #expect(stat(store.root + "/caches/c/big", &before) == 0)
            try await store.withCache("c", uid: 0, gid: 0) { path throws(OBuilderError) in
                #expect(OverlayMount.mounts(under: store.root + "/tmp").count == 1)
                try OBuilderFileSystem.writeFile(path + "/small", "s\n")
            }
            var after = stat()
            #expect(stat(store.root + "/caches/c/big", &after) == 0)
            #expect(before.st_ino == after.st_ino, "the cache's files stay where they are")
            #expect(OBuilderFileSystem.readText(store.root + "/caches/c/small") == "s\n")
        }
    }

    @Test func zfsFailsClearlyWithoutZFS() async throws {
        let spec = try StoreSpec.parse("zfs:/tmp/no-such-pool-\(UUID().uuidString.prefix(8))")
        let error = await #expect(throws: OBuilderError(.store, "")) { _ = try await spec.open() }
        #expect(error?.message.contains("zfs") == true)
        if let error { print("zfs store here: \(error.message)") }
        if case .zfs(let root) = spec { await TestStore.remove(root) }
    }
}

extension LoopFileSystem {
    /// Bytes used on the file system holding `path`.
    static func used(_ path: String) -> Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int(info.f_blocks - info.f_bfree) * Int(info.f_frsize)
    }
}
