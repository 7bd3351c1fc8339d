// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

/// The scheduler: named pools of workers, the jobs queued in them, and the durable state behind them.
///
/// One actor owns every pool so that a decision never races another; the RPC services in `Services/` are
/// thin adapters that call it. The decisions themselves are made by its ``SchedulerCore``, whose methods are
/// synchronous: after each one the pops it answered are resumed and the pool's durable changes are written
/// to the ``SchedulerStore`` (as ocluster writes its SQLite rows as it goes). The actor keeps only what
/// really waits: a pop's answer, drain and update, timers.
///
/// What survives a restart is what ocluster keeps in `scheduler.db` (cache-hint history, client rates, known
/// workers and their admin pause, client endpoints) and, unlike ocluster, the queued jobs (see
/// `SchedulerCore+Queue.swift`).
/// Writes go to a ``StoreWriter`` thread; an administrator's change is made in memory, and acknowledged,
/// only once committed (see `Scheduler+Durable.swift`).
public actor Scheduler {
    /// Tunables.
    public struct Configuration: Sendable {
        /// The cost estimate given to every job (ocluster: 10 s cached, 600 s not).
        public var cost: PoolCost = .ocluster
        /// How long `PoolAdmin.update` waits for a restarted worker to register again (ocluster: 600 s).
        public var restartTimeout: Duration = .seconds(600)
        /// How long an administrator's change waits for its database write to commit before it fails
        /// (`--db-write-timeout`; ocluster has none and waits for ever).
        public var databaseWriteTimeout: Duration = .seconds(10)
        /// How long a job kept across a restart is held (no worker takes it) waiting for its client to
        /// reattach before it is cancelled (`--reattach-timeout`).
        public var reattachTimeout: Duration = .seconds(60)
        /// Which jobs are run again when their worker is lost mid-job (ocluster: none, ``RequeuePolicy/never``).
        public var requeue = RequeuePolicy()
        /// How often ``checkWorkers()`` pings each worker; nil for never (ocluster).
        public var workerPingInterval: Duration? = .seconds(30)
        /// How long a worker may take to answer a ping before it is dropped as stuck.
        public var workerPingTimeout: Duration = .seconds(60)

        /// The defaults, as ocluster, except that jobs without side effects are retried (``requeue``).
        public init() {}
    }

    /// The decisions; touched only from the actor's isolation.
    let core: SchedulerCore
    let configuration: Configuration
    let store: SchedulerStore
    /// The thread writing `store`, off the actor's.
    let writer: StoreWriter
    let logger: Logger
    /// The pool names in byte order (ocluster's `String.Map` order).
    public nonisolated let poolNames: [String]
    /// Tickets released by their clients while perhaps still queued (see ``ticketReleased(_:)``).
    nonisolated let releasedTickets = DeinitQueue<Submitted>()
    /// The jobs a ticket's or job's sturdy ref can reach (see ``SchedulerServices``).
    nonisolated let savedTickets: SavedTickets
    /// Where the actor runs: the thread it was given (see ``init(pools:store:configuration:logger:metrics:executor:)``),
    /// which the tasks it starts prefer too, or the cooperative pool.
    nonisolated let home: ExecutionHome
    /// Workers with a liveness ping in flight (see ``checkWorkers()``).
    var pinging: Set<String> = []

    public nonisolated var unownedExecutor: UnownedSerialExecutor { home.serialExecutor }

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
        let core = try SchedulerCore(
            pools: names,
            store: store,
            configuration: configuration,
            logger: logger,
            metrics: metrics
        )
        let home = ExecutionHome(executor)
        let link = SchedulerLink()
        core.watchJob = { box, watched, pool, worker, running in
            link.scheduler?.watch(job: box, attempt: watched, pool: pool, worker: worker, running: running)
        }
        let savedTickets = SavedTickets()
        core.saveJob = { item, jobID, client in
            if let item { savedTickets.add(item, client: client) }
            return savedTickets.uri(jobID: jobID, .job)
        }
        core.cancelRequeued = { attempts, reason in
            link.scheduler?.onActor { $0.core.cancelRequeued(attempts, reason: reason) }
        }
        core.scheduleFlush = { pool in
            Task(executorPreference: home.executor) {
                try? await Task.sleep(for: .milliseconds(100))
                await link.scheduler?.flush(pool)
            }
        }
        let writer = StoreWriter(store: store)
        core.writeChanges = { pool, changes, end in
            writer.enqueue(.poolChanges([pool: changes])) { result in
                if case .failure(let error) = result { logger.error("Cannot save the state of pool \(pool): \(error)") }
                link.scheduler?.onActor {
                    $0.core.changesWritten(pool: pool, upTo: end, ok: (try? result.get()) != nil)
                }
            }
        }
        core.releaseJob = { jobID in link.scheduler?.onActor { $0.core.jobReleased(jobID) } }
        core.writeQueueBatch = { batch in
            writer.enqueue(.queue(batch)) { result in
                link.scheduler?.onActor { $0.core.queueWritten(result) }
            }
        }
        self.core = core
        self.savedTickets = savedTickets
        self.writer = writer
        self.home = home
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.poolNames = core.poolNames
        link.scheduler = self
        // Now that completions can reach the actor: the removals start-up left (rows it could not restore).
        core.writeQueue()
        for restored in core.queue.restored.values { savedTickets.add(restored.item, client: restored.client) }
        if !core.queue.restored.isEmpty {
            let timeout = configuration.reattachTimeout
            Task(executorPreference: home.executor) {
                try? await Task.sleep(for: timeout)
                link.scheduler?.onActor { $0.core.cancelRestored(after: Self.describe(timeout)) }
            }
        }
    }

    /// Whether `name` is one of the pools.
    public nonisolated func hasPool(_ name: String) -> Bool {
        poolNames.contains(name)
    }

    /// Runs `body` on the actor soon (see ``ExecutionHome/enqueue(on:_:)``): for work queued from `deinit`s
    /// and callbacks.
    nonisolated func onActor(_ body: @escaping @Sendable (isolated Scheduler) -> Void) {
        home.enqueue(on: self, body)
    }

    /// Runs `body` on the actor and returns its result, synchronously when the caller is on the actor's
    /// thread already (see ``ExecutionHome/perform(on:_:)``).
    nonisolated(nonsending) func perform<T: Sendable, Failure: Error>(
        _ body: @Sendable (isolated Scheduler) throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await home.perform(on: self, body)
    }

    private func flush(_ name: String) {
        core.flush(name)
    }

    /// Writes every pool's pending changes now and waits for them (before shutting down); gives up after a
    /// few rounds if the disk keeps failing.
    public func flushAll() async {
        var rounds = 0
        while core.hasPendingWrites, rounds < 10 {
            rounds += 1
            core.flushAll()
            await writer.barrier()
        }
    }

    /// Updates every exported metric from the pools' current state (cheap enough per scrape, not per job).
    public func refreshMetrics() {
        core.refreshMetrics()
    }
}
