// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OBuilder
import OClusterWorker
import Synchronization
import TestSupport
import Testing

/// The background pruning loop: it prunes results and caches while space is at or below the
/// threshold, sets the free-space gauge, and builds wait while it prunes.
@Suite("OBuilder pruning loop", .serialized)
struct OBuilderPrunerTests {
    /// A real copy backend whose deletions wait for the test to open a gate.
    struct GatedBackend: SnapshotBackend {
        let gate: Gate
        var name: String { "gated-copy" }
        func make(
            in work: String,
            from parent: SnapshotLayers?,
            scratch: String,
            body: @Sendable (String) async throws(OBuilderError) -> Void
        ) async throws(OBuilderError) -> SnapshotLayering {
            try await CopySnapshotBackend().make(in: work, from: parent, scratch: scratch, body: body)
        }
        /// Pruning's deletions (of `tmp/delete-…`) wait; the store's other clean-ups do not.
        func removeTree(_ path: String) async throws(OBuilderError) {
            if path.contains("/tmp/delete-") { await gate.wait() }
            try await CopySnapshotBackend().removeTree(path)
        }
    }

    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>], waiting: Int)>(
            (false, [], 0)
        )
        var waiting: Int { state.withLock { $0.waiting } }
        func wait() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let open = state.withLock { state in
                    if !state.open {
                        state.waiters.append(continuation)
                        state.waiting += 1
                    }
                    return state.open
                }
                if open { continuation.resume() }
            }
        }
        func open() {
            let waiters = state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    private func fill(_ store: SnapshotStore) async throws {
        _ = try await store.build(id: "base", parent: nil) { step throws(OBuilderError) in
            _ = FileManager.default.createFile(atPath: step.rootfs + "/f", contents: Data("f\n".utf8))
        }
        _ = try await store.build(id: "child", parent: "base") { _ throws(OBuilderError) in }
        try await store.withCache("c", uid: 0, gid: 0) { _ throws(OBuilderError) in }
    }

    @Test("below the threshold, results and caches are pruned and the gauge is set")
    func prunesWhileSpaceIsLow() async throws {
        let root = try TemporaryDirectory("obuilder-pruner")
        defer { root.remove() }
        let store = try await SnapshotStore(root: root.path + "/store", backend: .copy)
        try await fill(store)
        let metrics = WorkerMetrics()
        // Every disk is at or below 100% free: the loop prunes until nothing is left.
        let pruner = OBuilderPruner(
            store: store,
            threshold: 100,
            limit: 1,
            interval: .milliseconds(50),
            metrics: metrics
        )
        pruner.start()
        defer { pruner.stop() }
        #expect(
            try await eventually {
                let caches = try await store.cacheNames()
                return await store.snapshotIDs().isEmpty && caches.isEmpty
            }
        )
        let gauge = metrics.render().split(separator: "\n").first {
            $0.hasPrefix("ocluster_worker_obuilder_space_free ")
        }
        let value = gauge.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
        #expect(value > 0 && value <= 100)
    }

    @Test("above the threshold nothing is pruned")
    func leavesTheStoreAloneWithSpaceFree() async throws {
        let root = try TemporaryDirectory("obuilder-pruner")
        defer { root.remove() }
        let store = try await SnapshotStore(root: root.path + "/store", backend: .copy)
        try await fill(store)
        let metrics = WorkerMetrics()
        let pruner = OBuilderPruner(
            store: store,
            threshold: 0,
            limit: 10,
            interval: .milliseconds(50),
            metrics: metrics
        )
        pruner.start()
        defer { pruner.stop() }
        #expect(await eventually { metrics.render().contains("ocluster_worker_obuilder_space_free 0\n") == false })
        #expect(!pruner.isPruning)
        await pruner.waitWhilePruning()
        #expect(await store.snapshotIDs() == ["base", "child"])
    }

    @Test("a bad store spec is refused with OBuilder's message")
    func badStoreSpecs() async throws {
        let root = try TemporaryDirectory("obuilder-store-spec")
        defer { root.remove() }
        for (store, mode, message) in [
            ("rsync:" + root.path, nil, "Store rsync:/ must supply an rsync-mode"),
            (
                "ext4:" + root.path, nil,
                "Store must start with zfs:, btrfs:/, rsync:/, xfs:/, qemu:/, hcs: or overlayfs:"
            ),
            ("qemu:" + root.path, nil, "Store qemu:\(root.path) is not supported on this platform"),
        ] as [(String, String?, String)] {
            let error = await #expect(throws: WorkerError.self) {
                _ = try await OBuilderJobBackend.open(
                    store: store,
                    rsyncMode: mode,
                    sandboxDirectory: root.path + "/sandbox",
                    baseImages: root.path + "/images"
                )
            }
            #expect(error?.message.hasSuffix(message) == true, "\(error?.message ?? "")")
        }
        // btrfs: on a file system that is not btrfs.
        let error = await #expect(throws: WorkerError.self) {
            _ = try await OBuilderJobBackend.open(
                store: "btrfs:" + root.path + "/store",
                sandboxDirectory: root.path + "/sandbox",
                baseImages: root.path + "/images"
            )
        }
        #expect(error?.message.contains("is not on a btrfs file system") == true)
    }

    @Test("a build waits until the pruning round is over")
    func buildsWaitWhilePruning() async throws {
        let root = try TemporaryDirectory("obuilder-pruner")
        defer { root.remove() }
        let gate = Gate()
        let store = try await SnapshotStore(root: root.path + "/store", backend: GatedBackend(gate: gate))
        try await fill(store)
        let pruner = OBuilderPruner(store: store, threshold: 100, limit: 10, interval: .milliseconds(50))
        pruner.start()
        defer { pruner.stop() }
        #expect(await eventually { gate.waiting == 1 && pruner.isPruning })
        let opened = Mutex<ContinuousClock.Instant?>(nil)
        let waiter = Task { () -> Bool in
            await pruner.waitWhilePruning()
            return opened.withLock { $0 } != nil
        }
        #expect(await eventually { pruner.waitingBuilds == 1 })
        opened.withLock { $0 = .now }
        gate.open()
        #expect(await waiter.value, "the build went on only after the pruning round")
        #expect(await eventually { await store.snapshotIDs().isEmpty })
    }
}
