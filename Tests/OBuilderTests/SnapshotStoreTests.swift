// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Synchronization
import TestSupport
import Testing

@testable import OBuilder

/// The snapshot store on its own: atomic snapshots, layering, pruning, caches, both backends.
@Suite(.serialized) struct SnapshotStoreTests {
    private func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/snapshot-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func remove(_ path: String) async {
        for mountPoint in OverlayMount.mounts(under: path) { OverlayMount.unmount(mountPoint) }
        try? await OBuilderFileSystem.removeTree(path)
    }

    /// Builds base → a → b, writing one file per step, and reads the result back.
    private func buildChain(_ store: SnapshotStore) async throws -> [String] {
        _ = try await store.build(id: "base", parent: nil, environment: ["PATH=/bin"]) { step throws(OBuilderError) in
            try OBuilderFileSystem.writeFile(step.rootfs + "/base.txt", "base\n")
            try OBuilderFileSystem.writeFile(step.rootfs + "/gone.txt", "gone\n")
        }
        _ = try await store.build(id: "a", parent: "base") { step throws(OBuilderError) in
            try OBuilderFileSystem.writeFile(step.rootfs + "/a.txt", "a\n")
            _ = unlink(step.rootfs + "/gone.txt")
        }
        _ = try await store.build(id: "b", parent: "a") { step throws(OBuilderError) in
            #expect(OBuilderFileSystem.readText(step.rootfs + "/a.txt") == "a\n")
            try OBuilderFileSystem.writeFile(step.rootfs + "/b.txt", "b\n")
        }
        return try await store.withReadableRoot(of: "b") { root throws(OBuilderError) in
            try OBuilderFileSystem.listDirectory(root)
        }
    }

    @Test(arguments: [SnapshotStore.Backend.overlay, .copy]) func layersStepsOnTheirParents(
        _ backend: SnapshotStore.Backend
    ) async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path, backend: backend)
        #expect(try await buildChain(store) == ["a.txt", "b.txt", "base.txt"])
        #expect(await store.environment(of: "base") == ["PATH=/bin"])
        #expect(
            try await store.withReadableRoot(of: "base") { root throws(OBuilderError) in
                try OBuilderFileSystem.listDirectory(root)
            } == ["base.txt", "gone.txt"]
        )
        // Reopening finds the same snapshots.
        let reopened = try await SnapshotStore(root: path, backend: backend)
        #expect(await reopened.snapshotIDs() == ["a", "b", "base"])
        await remove(path)
    }

    @Test func picksOverlayWhenItWorks() async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path)
        #expect(store.backend.name == SnapshotStore.Backend.overlay.rawValue)
        await remove(path)
    }

    @Test func failedOrCancelledStepLeavesNothing() async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path)
        _ = try await buildChain(store)
        await #expect(throws: OBuilderError(.stepFailed, "")) {
            _ = try await store.build(id: "bad", parent: "b") { step throws(OBuilderError) in
                try OBuilderFileSystem.writeFile(step.rootfs + "/half.txt", "half\n")
                throw OBuilderError(.stepFailed, "failed")
            }
        }
        let halfWritten = Mutex(false)
        let task = Task {
            try await store.build(id: "cancelled", parent: "b") { step throws(OBuilderError) in
                try OBuilderFileSystem.writeFile(step.rootfs + "/half.txt", "half\n")
                halfWritten.withLock { $0 = true }
                // Stands for a long step; the test cancels it.
                try? await Task.sleep(for: .seconds(60))
            }
        }
        try await waitUntil("the step has written half its output") { halfWritten.withLock { $0 } }
        task.cancel()
        await #expect(throws: OBuilderError(.cancelled, "")) { try await task.value }
        #expect(await store.snapshotIDs() == ["a", "b", "base"])
        #expect(try OBuilderFileSystem.listDirectory(path + "/tmp") == [])
        #expect(OverlayMount.mounts(under: path) == [])
        // The failed id can be built later.
        #expect(try await store.build(id: "bad", parent: "b") { _ throws(OBuilderError) in } == .built)
        await remove(path)
    }

    @Test func deepChainsAreFlattened() async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path, backend: .overlay, maximumDepth: 3)
        var parent: String?
        for step in 0..<7 {
            _ = try await store.build(id: "s\(step)", parent: parent) { dir throws(OBuilderError) in
                try OBuilderFileSystem.writeFile(dir.rootfs + "/f\(step)", "\(step)")
            }
            parent = "s\(step)"
        }
        let files = try await store.withReadableRoot(of: "s6") { root throws(OBuilderError) in
            try OBuilderFileSystem.listDirectory(root)
        }
        #expect(files == ["f0", "f1", "f2", "f3", "f4", "f5", "f6"])
        #expect(await store.layers(of: "s6").layers.count <= 3)
        await remove(path)
    }

    @Test func prunesLeastRecentlyUsedLeavesFirst() async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path)
        _ = try await buildChain(store)
        _ = try await store.build(id: "c", parent: "a") { _ throws(OBuilderError) in }
        // Use b again, so c is now the least recently used leaf.
        #expect(try await store.build(id: "b", parent: "a") { _ throws(OBuilderError) in } == .cached)
        #expect(try await store.prune(before: SnapshotStore.now(), limit: 1) == 1)
        #expect(await store.snapshotIDs() == ["a", "b", "base"])
        // Nothing older than the cut-off: nothing pruned.
        #expect(try await store.prune(before: 0, limit: 10) == 0)
        // A snapshot in use is not pruned; its lower layers are not leaves.
        let pruned = try await store.withReadableRoot(of: "b") { _ throws(OBuilderError) in
            try await store.prune(before: SnapshotStore.now(), limit: 10)
        }
        #expect(pruned == 0)
        // Everything can go, leaves first, once nothing uses it.
        #expect(try await store.prune(before: SnapshotStore.now(), limit: 10) == 3)
        #expect(await store.snapshotIDs() == [])
        #expect(await store.freeSpacePercent() > 0)
        #expect(try await store.pruneIfNeeded(minimumFreePercent: 0, limit: 10) == 0)
        await remove(path)
    }

    @Test func deleteRemovesDescendants() async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path)
        _ = try await buildChain(store)
        try await store.delete("a")
        #expect(await store.snapshotIDs() == ["base"])
        await remove(path)
    }

    @Test func cacheCopiesBecomeTheNewVersion() async throws {
        let path = try scratch()
        let store = try await SnapshotStore(root: path)
        try await store.withCache("c", uid: 1000, gid: 1000) { dir throws(OBuilderError) in
            try OBuilderFileSystem.writeFile(dir + "/one", "1")
        }
        var info = stat()
        #expect(stat(path + "/caches/c", &info) == 0 && info.st_uid == 1000)
        // A failed user's changes are kept too, as in OBuilder.
        await #expect(throws: OBuilderError.self) {
            try await store.withCache("c", uid: 0, gid: 0) { dir throws(OBuilderError) in
                try OBuilderFileSystem.writeFile(dir + "/two", "2")
                throw OBuilderError(.stepFailed, "failed")
            }
        }
        #expect(try OBuilderFileSystem.listDirectory(path + "/caches/c") == ["one", "two"])
        #expect(try OBuilderFileSystem.listDirectory(path + "/tmp") == [])
        await #expect(throws: OBuilderError(.invalidSpec, "")) {
            try await store.withCache("../x", uid: 0, gid: 0) { _ throws(OBuilderError) in }
        }
        await remove(path)
    }
}
