// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One pool of workers and the jobs queued for them: ocluster's scheduling algorithm as a plain value.
///
/// The pool never blocks and never performs I/O. A worker's `pop` either returns a job at once or becomes a
/// pending request; events that could satisfy pending requests only mark them as woken, and
/// ``runWakeups()`` then resumes them, exactly where ocluster's Lwt threads would resume. Callers (an actor)
/// call ``runWakeups()`` after each operation and deliver the completions. Durable changes are queued for
/// ``drainChanges()``.
///
/// Jobs wait in one of two places: the pool-wide backlog, or a worker's local queue when the job was placed
/// on a particular worker (because it has the job's cache hint, or because it was idle). Both are ordered by
/// urgency, then fair start time, then submission.
public struct Pool<Item: PoolItem, Clock: PoolClock>: Sendable {
    /// ocluster's `main` queue: a backlog when no worker is known to be idle, otherwise the idle requests.
    enum MainMode: Sendable {
        case backlog
        case ready
    }

    enum Location: Sendable {
        case backlog
        case worker(WorkerID)
        /// In no queue until ``releaseHeld(_:)``: no worker may take it (a job restored after a restart, waiting
        /// for its client to reattach).
        case held
    }

    /// One per queued job, in a hash table whose spare buckets multiply its size: the fields are ordered, and
    /// the cost narrowed, so that an entry takes as few bytes as it can (see the README, memory per queued
    /// job).
    struct Ticket: Sendable {
        let item: Item
        let client: String
        let fairStartTime: Double
        var location: Location
        let urgent: Bool
        private var storedCost: Int32

        init(item: Item, client: String, urgent: Bool, fairStartTime: Double, cost: Int, location: Location) {
            self.item = item
            self.client = client
            self.fairStartTime = fairStartTime
            self.location = location
            self.urgent = urgent
            storedCost = Int32(clamping: cost)
        }

        /// The estimate charged to the worker whose local queue holds it; -1 while in the backlog.
        var cost: Int {
            get { Int(storedCost) }
            set { storedCost = Int32(clamping: newValue) }
        }
    }

    enum WorkerState: Sendable, Equatable {
        case running
        case inactive(InactiveReasons)
        case finished
    }

    struct Worker: Sendable {
        let id: WorkerID
        let name: String
        let capacity: Int
        var state: WorkerState
        /// Jobs placed on this worker but not yet taken; empty unless running.
        var localQueue = TicketQueue()
        /// Sum of the costs in `localQueue` (running jobs are not counted, as in ocluster).
        var workload = 0
        var running = 0
        /// Pending pops sleeping until something is put on the local queue (ocluster's condition variable).
        var conditionWaiters: [PopRequestID] = []
        /// Pending pops sleeping until the worker becomes active again or disconnects.
        var activationWaiters: [PopRequestID] = []
        var pendingPops = 0
    }

    enum PopWait: Sendable {
        case condition
        case activation
        case woken
    }

    struct PendingPop: Sendable {
        let worker: WorkerID
        var wait: PopWait
        var readyNode: UInt64?
    }

    struct Client: Sendable {
        var nextFairStartTime: Double
    }

    /// The pool's name (used in metrics and by the store).
    public let name: String
    let clock: Clock

    var mode = MainMode.backlog
    var backlog = TicketQueue()
    var ready = ReadyList()
    var tickets: [TicketID: Ticket] = [:]
    /// Every registration still referenced: connected workers, and disconnected ones with running jobs or
    /// pending pops (so `jobFinished` and drain progress still work after a disconnect).
    var workers: [WorkerID: Worker] = [:]
    var connected: [String: WorkerID] = [:]
    var clients: [String: Client] = [:]
    var clusterCapacity = 0
    /// Hint → jobs submitted with it and not yet taken or cancelled, so that a burst of jobs with a new
    /// hint is costed as cached after the first.
    var pendingCached: [String: Int] = [:]
    var pops: [PopRequestID: PendingPop] = [:]
    var woken: [PopRequestID] = []
    var wokenHead = 0
    /// The durable state, kept in memory so that no decision needs a database query.
    public private(set) var persisted: PoolPersistedState
    /// Durable changes not yet written, oldest first (see ``drainChanges()`` and ``dropChanges(_:)``).
    public private(set) var changes: [PoolChange] = []
    /// How many of `changes` are not cache-hint records, which alone may wait for a batched write: kept as
    /// changes come and go, so that the scheduler need not scan a growing batch after every decision.
    public private(set) var promptChanges = 0
    var counters = PoolMetrics.Counters()
    var nextTicket: UInt64 = 0
    var nextWorker: UInt64 = 0
    var nextPop: UInt64 = 0
    var nextReadyNode: UInt64 = 0

    /// Creates a pool with the durable state a store loaded (or an empty one).
    public init(name: String, clock: Clock, persisted: PoolPersistedState = PoolPersistedState()) {
        self.name = name
        self.clock = clock
        self.persisted = persisted
    }

    /// Returns and forgets the durable changes made since the last call, oldest first.
    public mutating func drainChanges() -> [PoolChange] {
        defer { dropChanges(changes.count) }
        return changes
    }

    /// Forgets the oldest `count` changes (once written).
    public mutating func dropChanges(_ count: Int) {
        changes.removeFirst(count)
        promptChanges = changes.count(where: { !$0.canWait })
    }

    /// Forgets the newest `count` changes: their author wrote them to the store already, before making them
    /// here (an administrator's change, acknowledged only once committed).
    public mutating func dropNewestChanges(_ count: Int) {
        changes.removeLast(count)
        promptChanges = changes.count(where: { !$0.canWait })
    }

    mutating func record(_ change: PoolChange) {
        persisted.apply(change)
        changes.append(change)
        if !change.canWait { promptChanges += 1 }
    }

    /// The sum of the capacities of the connected workers.
    public var capacity: Int { clusterCapacity }

    /// Connected workers by name.
    public var connectedWorkers: [String: WorkerID] { connected }

    /// The registration currently connected under `name`, if any.
    public func worker(named name: String) -> WorkerID? { connected[name] }

    /// The name a registration was made with.
    public func name(of worker: WorkerID) -> String? { workers[worker]?.name }

    /// Why the worker is not accepting jobs (empty when active). A disconnected worker reports `.worker`.
    public func inactiveReasons(_ worker: WorkerID) -> InactiveReasons {
        switch workers[worker]?.state {
        case .running: []
        case .inactive(let reasons): reasons
        case .finished, nil: .worker
        }
    }

    /// Whether the worker is connected and has no inactive reasons.
    public func isActive(_ worker: WorkerID) -> Bool { inactiveReasons(worker).isEmpty }

    /// Jobs the worker has taken and not yet finished (0 once forgotten after disconnecting).
    public func runningJobs(_ worker: WorkerID) -> Int { workers[worker]?.running ?? 0 }

    /// Whether the ticket is still waiting in a queue (and so can be cancelled here).
    public func isQueued(_ ticket: TicketID) -> Bool { tickets[ticket] != nil }
}
