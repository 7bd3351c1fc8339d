// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension Pool {
    /// A worker connects (ocluster's `register`).
    ///
    /// The new registration starts inactive with reason `.worker` (plus `.adminPause` if an administrator
    /// paused this name earlier); the RPC layer activates it straight away with
    /// `setActive(id, true, reason: .worker)`. A name that is still connected is refused.
    public mutating func register(name: String, capacity: Int) throws(PoolError) -> WorkerID {
        guard connected[name] == nil else { throw PoolError(.nameTaken, "Worker already registered!") }
        guard capacity >= 0 else { throw PoolError(.invalidCapacity, "Capacity must not be negative") }
        record(.addWorker(name: name))
        var reasons = InactiveReasons.worker
        if persisted.workers[name] == true { reasons.insert(.adminPause) }
        nextWorker += 1
        let id = WorkerID(nextWorker)
        workers[id] = Worker(id: id, name: name, capacity: capacity, state: .inactive(reasons))
        connected[name] = id
        clusterCapacity += capacity
        return id
    }

    /// Adds (`active == false`) or removes an inactive reason (ocluster's `set_active`).
    ///
    /// Workers use `.worker`, administrators `.adminPause` (which is also recorded durably, for known
    /// workers). When a worker becomes inactive, the jobs on its local queue go back to the pool. It becomes
    /// active again only when all reasons are gone.
    public mutating func setActive(_ worker: WorkerID, _ active: Bool, reason: InactiveReasons) throws(PoolError) {
        guard !reason.isEmpty else { throw PoolError(.invalidReason, "No inactive reason given") }
        guard let record = workers[worker] else { throw queueClosed }
        if reason.contains(.adminPause), persisted.workers[record.name] != nil {
            self.record(.setPaused(worker: record.name, paused: !active))
        }
        guard active else {
            try setInactive(worker, reason: reason)
            return
        }
        switch record.state {
        case .finished:
            throw queueClosed
        case .running:
            return
        case .inactive(let reasons):
            if reason.isSuperset(of: reasons) {
                // A fresh, empty local queue, and the sleeping pops may look for work again.
                workers[worker]?.state = .running
                workers[worker]?.localQueue = TicketQueue()
                workers[worker]?.workload = 0
                wakeActivationWaiters(worker)
            } else if reasons.isSuperset(of: reason) {
                workers[worker]?.state = .inactive(reasons.subtracting(reason))
            }
        }
    }

    /// Marks the worker as shutting down (for a rolling update): inactive, with a reason no worker or admin
    /// unpause removes, and not persisted.
    public mutating func shutdown(_ worker: WorkerID) throws(PoolError) {
        try setActive(worker, false, reason: .adminShutdown)
    }

    /// The worker disconnected (ocluster's `release`).
    ///
    /// Jobs on its local queue go back to the pool (to the backlog, or to other workers if some are idle);
    /// its pending pops are answered with `.finished`. Jobs it was already running are not re-queued.
    public mutating func release(_ worker: WorkerID) throws(PoolError) {
        try setInactive(worker, reason: .worker)
        guard let record = workers[worker] else { return }
        workers[worker]?.state = .finished
        if connected[record.name] == worker { connected[record.name] = nil }
        clusterCapacity -= record.capacity
        wakeActivationWaiters(worker)
        dropIfUnused(worker)
    }

    /// Runs `body` with the registration connected as `name`, or with a temporary capacity-0 registration
    /// that is released afterwards (ocluster's `with_worker`, used for admin operations on disconnected
    /// workers; it also makes the name known).
    public mutating func withWorker<Result>(
        named name: String,
        _ body: (inout Pool, WorkerID) throws(PoolError) -> Result
    ) throws(PoolError) -> Result {
        if let id = connected[name] { return try body(&self, id) }
        let id = try register(name: name, capacity: 0)
        defer { try? release(id) }
        return try body(&self, id)
    }

    /// Admin pause or unpause by name; a disconnected worker is registered temporarily so the flag is
    /// stored for its next connection.
    public mutating func setAdminPaused(workerNamed name: String, _ paused: Bool) throws(PoolError) {
        try withWorker(named: name) { (pool: inout Pool, id: WorkerID) throws(PoolError) in
            try pool.setActive(id, !paused, reason: .adminPause)
        }
    }

    /// Whether `name` has registered with this pool at some point and was not forgotten.
    public func isWorkerKnown(_ name: String) -> Bool { persisted.workers[name] != nil }

    /// Every known worker, in name order (the order SQLite returns the `workers` rows in).
    public func knownWorkers() -> [PoolWorkerInfo] {
        persisted.workers.keys.sorted { $0.bytePrecedes($1) }.map { name in
            if let id = connected[name] {
                return PoolWorkerInfo(name: name, active: isActive(id), connected: true)
            }
            return PoolWorkerInfo(name: name, active: persisted.workers[name] != true, connected: false)
        }
    }

    /// Removes a disconnected worker from the known list. Its cache-hint records are kept.
    public mutating func forgetWorker(_ name: String) throws(PoolError) {
        guard isWorkerKnown(name) else {
            throw PoolError(.unknownWorker, "Worker \"\(name)\" not known in this pool")
        }
        guard connected[name] == nil else {
            throw PoolError(.stillConnected, "Worker \"\(name)\" is still connected!")
        }
        record(.forgetWorker(name: name))
    }

    private var queueClosed: PoolError { PoolError(.queueClosed, "Queue already closed!") }

    /// Adds an inactive reason; a running worker's local queue is handed back to the pool.
    private mutating func setInactive(_ workerID: WorkerID, reason: InactiveReasons) throws(PoolError) {
        guard let worker = workers[workerID] else { throw queueClosed }
        switch worker.state {
        case .finished:
            throw queueClosed
        case .inactive(let reasons):
            workers[workerID]?.state = .inactive(reasons.union(reason))
        case .running:
            workers[workerID]?.state = .inactive(reason)
            // Taken in priority order. With a backlog the tickets simply join it; when workers are idle each
            // one is placed again, so it may go to a preferred or idle worker.
            let toBacklog = mode == .backlog
            while let ticketID = dequeueLocal(workerID) {
                tickets[ticketID]?.cost = -1
                if toBacklog { enqueueBacklog(ticketID) } else { add(ticketID) }
            }
            wakeConditionWaiters(workerID)
        }
    }
}
