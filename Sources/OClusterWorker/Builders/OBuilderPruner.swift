// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging
import OBuilder
import Synchronization

/// Keeps an OBuilder store's free space above a threshold, as ocluster's worker does: a
/// background loop reads the store's free space (and sets the `obuilder_space_free` gauge); while
/// it is at or below the threshold, it prunes up to a limit of least recently used items (build
/// results and caches) per round, and builds wait until it is done. Between checks it sleeps
/// (30 s in ocluster), and so it does after a round that could prune nothing.
///
/// Unlike ocluster, a round that prunes nothing also lets waiting builds go: waiting could not
/// free anything, and they would otherwise wait until space came back by other means.
public final class OBuilderPruner: Sendable {
    static let logger = Logger(label: "ocluster.worker.obuilder")

    public let store: SnapshotStore
    /// Prune while the free space is at or below this percentage.
    public let threshold: Double
    /// Items deleted per round.
    public let limit: Int
    /// The pause between checks.
    public let interval: Duration
    let metrics: WorkerMetrics?

    private struct State {
        var pruning = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var loop: Task<Void, Never>?
    }
    private let state = Mutex(State())

    public init(
        store: SnapshotStore,
        threshold: Double,
        limit: Int,
        interval: Duration = .seconds(30),
        metrics: WorkerMetrics? = nil
    ) {
        self.store = store
        self.threshold = threshold
        self.limit = limit
        self.interval = interval
        self.metrics = metrics
    }

    deinit { state.withLock { $0.loop?.cancel() } }

    /// Whether a pruning round is under way (builds wait meanwhile).
    public var isPruning: Bool { state.withLock { $0.pruning } }

    /// How many builds are waiting for the pruning round to end.
    public var waitingBuilds: Int { state.withLock { $0.waiters.count } }

    /// Starts the background loop (once; later calls do nothing).
    public func start() {
        state.withLock { state in
            guard state.loop == nil else { return }
            state.loop = Task { [weak self] in
                while !Task.isCancelled, let self {
                    await self.round()
                }
            }
        }
    }

    /// Stops the background loop and lets waiting builds go.
    public func stop() {
        let loop = state.withLock { $0.loop }
        loop?.cancel()
        setPruning(false)
    }

    /// Returns once no pruning round is under way.
    public func waitWhilePruning() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { state in
                if state.pruning { state.waiters.append(continuation) }
                return state.pruning
            }
            if !wait { continuation.resume() }
        }
    }

    /// One check, and one pruning round if the space is low; sleeps when there is nothing to do.
    func round() async {
        let free = await store.freeSpacePercent()
        let items = await store.snapshotIDs().count
        Self.logger.info("OBuilder partition: \(Int(free.rounded()))% free, \(items) items")
        metrics?.setOBuilderSpaceFree(free)
        guard free <= threshold else {
            setPruning(false)
            try? await Task.sleep(for: interval)
            return
        }
        setPruning(true)
        let pruned: Int
        do {
            pruned = try await store.prune(before: SnapshotStore.now(), limit: limit)
            Self.logger.info("Pruned \(pruned) items")
        } catch {
            Self.logger.error("Pruning the OBuilder store failed: \(error)")
            pruned = 0
        }
        if pruned == 0 {
            setPruning(false)
            try? await Task.sleep(for: interval)
        }
    }

    private func setPruning(_ value: Bool) {
        let waiters = state.withLock { state in
            state.pruning = value
            guard !value else { return [CheckedContinuation<Void, Never>]() }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
