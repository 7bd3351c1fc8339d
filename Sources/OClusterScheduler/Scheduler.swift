// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Logging
import OClusterAPI

/// The scheduler: named pools of workers, the jobs queued in them, and the durable state behind them.
///
/// One actor owns every pool (each a pure ``Pool`` value) so that a decision never races another; the RPC
/// services in `Services/` are thin adapters that call it. After each operation the actor resumes the worker
/// `pop` calls the pool has answered and writes the pool's durable changes to the ``SchedulerStore`` (as
/// ocluster writes its SQLite rows as it goes).
///
/// Jobs live in memory only: a restart loses them, as in ocluster. What survives is what ocluster keeps in
/// `scheduler.db`: cache-hint history, client rates, known workers and their admin pause, client endpoints.
public actor Scheduler {
    /// Tunables.
    public struct Configuration: Sendable {
        /// The cost estimate given to every job (ocluster: 10 s cached, 600 s not).
        public var cost: PoolCost = .ocluster
        /// How long `PoolAdmin.update` waits for a restarted worker to register again (ocluster: 600 s).
        public var restartTimeout: Duration = .seconds(600)

        /// The defaults, as ocluster.
        public init() {}
    }

    /// A pending `pop`. Registered before the caller first awaits, since any `await` may let other work on
    /// the actor run first (the pool may answer the request in between).
    struct PopWaiter {
        /// Settled once: with the answer, or with `.cancelled` when the worker gave up first.
        let answer: PromiseCell<PopAnswer>
        let job: Capability
        let worker: WorkerID
    }

    /// A class: the actor reads its pool's state several times per operation, and a struct of this size would
    /// be copied (a retain and release per field) by every read through the dictionary.
    final class PoolState {
        var pool: Pool<SchedulerItem, WallClock>
        /// The `Worker` capability of each connected registration.
        var workerCaps: [WorkerID: Worker.Client] = [:]
        var pops: [PopRequestID: PopWaiter] = [:]
        /// Waiting for a worker's running-job count to change (drain, update).
        var runningWaiters: [WorkerID: [PromiseCell<Void>]] = [:]
        /// Waiting for a worker of some name to register (update): resolved with true when it does, false on
        /// timeout.
        var registrationWaiters: [String: [UInt64: PromiseCell<Bool>]] = [:]
        var metrics: PoolMetricsExporter

        init(pool: Pool<SchedulerItem, WallClock>, metrics: PoolMetricsExporter) {
            self.pool = pool
            self.metrics = metrics
        }

        /// Reads the pool where it lies. A plain read of `pool` copies the whole struct (a retain and a
        /// release for each of its tables), where an inout access does not: for reads on every decision.
        func inspect<T>(_ body: (inout Pool<SchedulerItem, WallClock>) -> T) -> T { body(&pool) }
    }

    let configuration: Configuration
    let store: SchedulerStore
    let logger: Logger
    let metrics: SchedulerMetrics
    var pools: [String: PoolState] = [:]
    /// The pool names in byte order (ocluster's `String.Map` order).
    public nonisolated let poolNames: [String]
    /// Submission endpoints known to be valid: SHA-256 of the service ID → client id.
    var validEndpoints: [[UInt8]: String] = [:]
    /// The last waiter id handed out (see `nextWaiterID`).
    var nextKey: UInt64 = 0
    /// Pools with a batched write of cache-hint records pending.
    var flushScheduled: Set<String> = []
    /// What the status page shows beyond the pools' own state (see ``statusSnapshot()``).
    var activity = SchedulerActivity()
    /// Tickets released by their clients while perhaps still queued (see ``ticketReleased(_:)``).
    nonisolated let releasedTickets = DeinitQueue<Submitted>()
    /// The thread the actor runs on, if it was given one (see ``init(pools:store:configuration:logger:metrics:executor:)``);
    /// the tasks it starts run there too.
    nonisolated let home: (any RPCExecutor)?
    private nonisolated let serialExecutor: UnownedSerialExecutor
    private nonisolated let donor: ExecutorDonor?

    public nonisolated var unownedExecutor: UnownedSerialExecutor { serialExecutor }

    /// Creates the scheduler for `pools`, loading each pool's durable state from `store`.
    ///
    /// `executor` places the actor on a thread: the event loop its services' connections run on, so that
    /// a call reaches it, and its answer goes back, with no thread switch. By default it runs on the
    /// cooperative pool.
    ///
    /// - Throws: ``SchedulerError`` if the pool list is empty or the store cannot be read.
    public init(
        pools names: [String],
        store: SchedulerStore,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "ocluster.scheduler"),
        metrics: SchedulerMetrics = SchedulerMetrics(),
        executor: (any RPCExecutor)? = nil
    ) throws(SchedulerError) {
        home = executor
        if let executor {
            serialExecutor = executor.serialExecutor
            donor = nil
        } else {
            let donor = ExecutorDonor()
            serialExecutor = donor.unownedExecutor
            self.donor = donor
        }
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
    }

    /// Whether `name` is one of the pools.
    public nonisolated func hasPool(_ name: String) -> Bool {
        poolNames.contains(name)
    }

    /// ocluster's message for a submission to a pool that does not exist.
    nonisolated func unknownPoolMessage(_ name: String) -> String {
        "Pool ID \(ocamlQuoted(name)) not one of {\(poolNames.joined(separator: ", "))}"
    }

    /// Runs `body` on the actor soon: straight on its thread when it has one (no task, no wake-up), else in a
    /// task. For work queued from `deinit`s and callbacks.
    nonisolated func onActor(_ body: @escaping @Sendable (isolated Scheduler) -> Void) {
        if let home {
            home.execute { self.assumeIsolated { body($0) } }
        } else {
            Task { await body(self) }
        }
    }

    /// Runs `body` on the actor and returns its result: synchronously when the caller is on the actor's
    /// thread already (a call read by a connection on the scheduler's event loop), with no hop there and
    /// back, else as an ordinary call. `body` is one synchronous step, as every actor method without an
    /// `await` is.
    nonisolated(nonsending) func perform<T: Sendable, Failure: Error>(
        _ body: @Sendable (isolated Scheduler) throws(Failure) -> T
    ) async throws(Failure) -> T {
        if let home, home.isCurrent { return try performHere(body).get() }
        return try await body(self)
    }

    /// On the actor's thread nothing else of the actor runs: it is isolated here.
    private nonisolated func performHere<T: Sendable, Failure: Error>(
        _ body: @Sendable (isolated Scheduler) throws(Failure) -> T
    ) -> Result<T, Failure> {
        assumeIsolated { scheduler in Result { () throws(Failure) -> T in try body(scheduler) } }
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
            Task {
                try? await Task.sleep(for: .milliseconds(100))
                self.flush(name)
            }
        }
    }

    private func flush(_ name: String) {
        flushScheduled.remove(name)
        persist(name)
    }

    /// Writes every pool's pending changes now (before shutting down).
    public func flushAll() {
        for name in poolNames { persist(name) }
    }

    /// Writes the pool's queued durable changes. A failed write is logged and retried with the next change:
    /// the pool keeps working from memory meanwhile (ocluster would raise instead).
    func persist(_ name: String) {
        guard pools[name] != nil else { return }
        do {
            try store.save(&pools[name]!.pool)
        } catch {
            logger.error("Cannot save the state of pool \(name): \(error)")
        }
    }

    /// Updates every exported metric from the pools' current state (cheap enough per scrape, not per job).
    public func refreshMetrics() {
        for name in poolNames {
            guard let snapshot = pools[name]?.pool.metrics else { continue }
            pools[name]!.metrics.update(snapshot)
        }
    }
}

/// What a worker's pending `Queue.pop` is answered with.
enum PopAnswer: Sendable {
    case job(StoredJobDescr)
    case disconnected
    case cancelled
}
