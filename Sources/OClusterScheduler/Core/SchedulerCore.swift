// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

/// The scheduler's decisions: the pools, the pops and other waiters on them, the batching of durable writes.
///
/// Every method is synchronous, so that no decision can be interrupted half-way: an `await` in the middle of
/// one (which would let another call change the pool between a check and its use, the way a pop was once
/// lost) does not compile here. The ``Scheduler`` actor owns one core and calls it from its isolation; it
/// keeps the real suspension points (waiting for a pop's answer, drain and update, timers). A class, not an
/// actor: it is never shared, and what it asks of the world (watch a job's result, write a batch later) goes
/// through the two effect closures its owner sets.
final class SchedulerCore {
    let configuration: Scheduler.Configuration
    let store: SchedulerStore
    let logger: Logger
    let metrics: SchedulerMetrics
    var pools: [String: PoolState] = [:]
    /// The pool names in byte order (ocluster's `String.Map` order).
    let poolNames: [String]
    /// Submission endpoints known to be valid: SHA-256 of the service ID → client id.
    var validEndpoints: [[UInt8]: String] = [:]
    /// The last waiter id handed out (see `nextWaiterID`).
    var nextKey: UInt64 = 0
    /// Pools with a batched write of cache-hint records pending.
    var flushScheduled: Set<String> = []
    /// Where each pool's durable changes stand (see ``PoolWrites``).
    var writes: [String: PoolWrites] = [:]
    /// The queued jobs' rows on their way to the store.
    var queue = QueueWrites()
    /// What the status page shows beyond the pools' own state (see ``Scheduler/statusSnapshot()``).
    var activity = SchedulerActivity()
    /// Jobs retried after losing a worker, and workers dropped (see `SchedulerCore+Requeue`).
    var retries = RetryLedger()

    /// Starts watching a job handed to a worker: the owner calls ``jobFinished(pool:worker:)`` (and records
    /// the outcome under the running key) once the job's `result` settles.
    var watchJob: (CapabilityBox, WatchedAttempt, _ pool: String, WorkerID, SchedulerActivity.RunningKey) -> Void = {
        _,
        _,
        _,
        _,
        _ in
    }
    /// Removes a job queued again after a lost worker, from any thread: its client cancelled or let go of it.
    var cancelRequeued: @Sendable (JobAttempts, _ reason: String) -> Void = { _, _ in }
    /// Saves a job for its client's `Job` (`Persistent.save`; nil: the job is gone) and returns the sturdy ref
    /// URI, from any thread.
    var saveJob: @Sendable (SchedulerItem?, _ jobID: Int64, _ client: String) -> String? = { _, _, _ in nil }
    /// Asks for ``flush(_:)`` of the pool a moment later.
    var scheduleFlush: (_ pool: String) -> Void = { _ in }
    /// Writes a pool's changes (all its pending ones, up to the absolute index `end`) and calls
    /// ``changesWritten(pool:upTo:ok:)`` once done. Nil: the core writes them itself, synchronously (tests).
    var writeChanges: ((_ pool: String, _ changes: [PoolChange], _ end: UInt64) -> Void)?
    /// Writes a batch of queued jobs' rows, then calls ``queueWritten(_:)``. Nil: synchronously.
    var writeQueueBatch: ((QueueBatch) -> Void)?
    /// Tells the core, from any thread, that a client let go of a job (see ``jobReleased(_:)``).
    var releaseJob: @Sendable (_ jobID: Int64) -> Void = { _ in }

    /// The core for `pools`, loading each pool's durable state from `store`.
    ///
    /// - Throws: ``SchedulerError`` if the pool list is empty or the store cannot be read.
    init(
        pools names: [String],
        store: SchedulerStore,
        configuration: Scheduler.Configuration = Scheduler.Configuration(),
        logger: Logger = Logger(label: "ocluster.scheduler"),
        metrics: SchedulerMetrics = SchedulerMetrics()
    ) throws(SchedulerError) {
        let unique = Array(Set(names)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard !unique.isEmpty else { throw SchedulerError(.invalidArgument, "At least one pool is needed") }
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.metrics = metrics
        self.poolNames = unique
        for name in unique {
            let persisted: PoolPersistedState
            do {
                persisted = try store.loadPool(name)
            } catch {
                throw SchedulerError(error)
            }
            pools[name] = PoolState(
                pool: Pool(name: name, clock: WallClock(), persisted: persisted),
                metrics: metrics.exporter(pool: name)
            )
        }
        let restored = try restoreQueue()
        if restored > 0 { logger.notice("Queued again \(restored) job(s) kept from before the restart") }
    }

    /// ocluster's message for a submission to a pool that does not exist.
    func unknownPoolMessage(_ name: String) -> String {
        "Pool ID \(ocamlQuoted(name)) not one of {\(poolNames.joined(separator: ", "))}"
    }

    /// After every operation on a pool: answer the pops it woke, then persist its changes.
    func settle(_ name: String) {
        guard let state = pools[name] else { return }
        while state.inspect({ $0.hasWakeups }) {
            let completions = state.pool.runWakeups()
            for completion in completions { complete(completion, in: name) }
        }
        guard !state.inspect({ $0.changes.isEmpty }) else { return }
        // Cache-hint records come with every assignment; writing them a moment later, in batches, keeps a
        // database transaction off each decision. Anything else (pauses, rates, workers) is written at once.
        if state.inspect({ $0.promptChanges > 0 }) {
            persist(name)
        } else if !flushScheduled.contains(name) {
            flushScheduled.insert(name)
            scheduleFlush(name)
        }
    }

    /// The batched write ``scheduleFlush`` asked for.
    func flush(_ name: String) {
        flushScheduled.remove(name)
        persist(name)
    }

    /// Writes every pool's pending changes and the queue's now (before shutting down).
    func flushAll() {
        for name in poolNames { persist(name) }
        writeQueue()
    }

    /// Writes the pool's queued durable changes (see ``writePending(_:)``).
    func persist(_ name: String) {
        writePending(name)
    }

    /// Updates every exported metric from the pools' current state (cheap enough per scrape, not per job).
    func refreshMetrics() {
        for name in poolNames {
            guard let snapshot = pools[name]?.pool.metrics else { continue }
            pools[name]!.metrics.update(snapshot)
        }
    }

    func nextWaiterID() -> UInt64 {
        nextKey += 1
        return nextKey
    }
}
