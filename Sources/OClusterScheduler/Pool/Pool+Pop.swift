// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Pool {
    /// A worker asks for its next job (ocluster's `pop`).
    ///
    /// Returns a job at once when one is available to this worker, `.finished` if the registration has
    /// disconnected, or a request identifier whose answer ``runWakeups()`` will report later. The scheduler
    /// does not limit how many jobs a worker takes; workers only ask while below their capacity.
    public mutating func pop(_ worker: WorkerID) -> PopResult<Item> {
        guard let record = workers[worker], record.state != .finished else { return .done(.finished) }
        nextPop += 1
        let request = PopRequestID(nextPop)
        pops[request] = PendingPop(worker: worker, wait: .woken, readyNode: nil)
        workers[worker]?.pendingPops += 1
        if let outcome = resume(request) {
            finishPop(request)
            return .done(outcome)
        }
        return .pending(request)
    }

    /// Resumes every pending pop that something has woken since the last call, until none is left, and
    /// returns the ones that now have an answer. ocluster gets the same effect from Lwt running woken
    /// threads once the current operation yields.
    public mutating func runWakeups() -> [PopCompletion<Item>] {
        var completions: [PopCompletion<Item>] = []
        while wokenHead < woken.count {
            let request = woken[wokenHead]
            wokenHead += 1
            guard let pending = pops[request], pending.wait == .woken else { continue }
            if let node = pending.readyNode {
                // Woken while idle: leave the ready list if nobody took this entry already.
                if mode == .ready { ready.remove(node: node) }
                pops[request]?.readyNode = nil
            }
            if let outcome = resume(request) {
                finishPop(request)
                completions.append(PopCompletion(request: request, worker: pending.worker, outcome: outcome))
            }
        }
        woken.removeAll(keepingCapacity: true)
        wokenHead = 0
        return completions
    }

    /// Whether any pending pop is woken and waiting for ``runWakeups()``.
    public var hasWakeups: Bool { wokenHead < woken.count }

    /// A worker finished (or lost) a job it had taken.
    public mutating func jobFinished(_ worker: WorkerID) {
        guard let record = workers[worker], record.running > 0 else { return }
        workers[worker]?.running -= 1
        dropIfUnused(worker)
    }

    /// The body of ocluster's pop loop: returns an answer, or parks the request and returns nil.
    mutating func resume(_ request: PopRequestID) -> PopOutcome<Item>? {
        guard let workerID = pops[request]?.worker else { return .finished }
        while true {
            guard let worker = workers[workerID] else { return .finished }
            switch worker.state {
            case .finished:
                return .finished
            case .inactive:
                pops[request]?.wait = .activation
                workers[workerID]?.activationWaiters.append(request)
                return nil
            case .running:
                if let ticket = dequeueLocal(workerID) {
                    if let job = take(ticket, by: workerID) { return .job(job) }
                    continue
                }
                switch mode {
                case .ready:
                    nextReadyNode += 1
                    ready.append(ReadyList.Entry(node: nextReadyNode, pop: request, worker: workerID))
                    pops[request]?.readyNode = nextReadyNode
                    pops[request]?.wait = .condition
                    workers[workerID]?.conditionWaiters.append(request)
                    return nil
                case .backlog:
                    guard let ticket = backlog.popFirst() else {
                        // The backlog is empty after all: switch to collecting idle workers and retry.
                        mode = .ready
                        ready = ReadyList()
                        continue
                    }
                    // It may belong on a worker that has its hint cached (possibly this one).
                    if assignPreferred(ticket) { continue }
                    if let job = take(ticket, by: workerID) { return .job(job) }
                }
            }
        }
    }

    private mutating func finishPop(_ request: PopRequestID) {
        guard let pending = pops.removeValue(forKey: request) else { return }
        workers[pending.worker]?.pendingPops -= 1
        dropIfUnused(pending.worker)
    }

    /// Hands a ticket to a worker: it leaves the pool for good. (Nil only if the queues and the ticket
    /// table disagreed, which would be a bug; the caller then simply looks again.)
    private mutating func take(_ ticketID: TicketID, by workerID: WorkerID) -> PoolJob<Item>? {
        guard let ticket = tickets.removeValue(forKey: ticketID) else { return nil }
        let workerName = workers[workerID]?.name ?? ""
        record(.markCached(hint: ticket.item.cacheHint, worker: workerName))
        workers[workerID]?.running += 1
        counters.jobsAccepted += 1
        decrementPending(ticket.item.cacheHint)
        return PoolJob(ticket: ticketID, item: ticket.item, client: ticket.client, urgent: ticket.urgent)
    }

    /// Places a ticket that is in no queue (ocluster's `add`).
    mutating func add(_ ticketID: TicketID) {
        while true {
            switch mode {
            case .backlog:
                enqueueBacklog(ticketID)
                return
            case .ready:
                guard !ready.isEmpty else {
                    mode = .backlog
                    continue
                }
                if assignPreferred(ticketID) { return }
                guard let idle = ready.takeOldest() else { continue }
                pops[idle.pop]?.readyNode = nil
                // An entry whose worker has gone inactive is stale: try again with the next one.
                guard workers[idle.worker]?.state == .running, let ticket = tickets[ticketID] else { continue }
                // The idle worker cannot have the hint cached, or assignPreferred would have chosen it.
                tickets[ticketID]?.cost = ticket.item.costEstimate.nonCached
                enqueueLocal(ticketID, on: idle.worker)
                record(.markCached(hint: ticket.item.cacheHint, worker: workers[idle.worker]?.name ?? ""))
                wakeConditionWaiters(idle.worker)
                return
            }
        }
    }

    /// Sends a hinted ticket to the least-loaded active worker that has built the hint, unless all such
    /// workers already have more than one uncached job's worth of work queued.
    ///
    /// This scans only the workers recorded for this hint (like ocluster). Among equal workloads the last
    /// name in byte order wins, matching ocluster's fold over the sorted rows.
    mutating func assignPreferred(_ ticketID: TicketID) -> Bool {
        guard let ticket = tickets[ticketID] else { return false }
        let hint = ticket.item.cacheHint
        guard !hint.isEmpty, let names = persisted.cachedWorkers[hint] else { return false }
        let cost = ticket.item.costEstimate
        var best: (id: WorkerID, workload: Int)?
        for name in names.reversed() {
            guard let id = connected[name], let worker = workers[id], worker.state == .running,
                worker.workload <= cost.nonCached
            else { continue }
            if let current = best, current.workload <= worker.workload { continue }
            best = (id, worker.workload)
        }
        guard let best else { return false }
        tickets[ticketID]?.cost = cost.cached
        enqueueLocal(ticketID, on: best.id)
        wakeConditionWaiters(best.id)
        return true
    }

    mutating func enqueueBacklog(_ ticketID: TicketID) {
        guard let ticket = tickets[ticketID] else { return }
        tickets[ticketID]?.location = .backlog
        backlog.insert(TicketPriority(urgent: ticket.urgent, fairStartTime: ticket.fairStartTime, ticket: ticketID))
    }

    private mutating func enqueueLocal(_ ticketID: TicketID, on workerID: WorkerID) {
        guard let ticket = tickets[ticketID] else { return }
        tickets[ticketID]?.location = .worker(workerID)
        workers[workerID]?.workload += ticket.cost
        workers[workerID]?.localQueue.insert(
            TicketPriority(urgent: ticket.urgent, fairStartTime: ticket.fairStartTime, ticket: ticketID)
        )
    }

    /// Removes the next ticket from a worker's local queue, releasing its cost from the workload.
    mutating func dequeueLocal(_ workerID: WorkerID) -> TicketID? {
        guard let ticketID = workers[workerID]?.localQueue.popFirst() else { return nil }
        workers[workerID]?.workload -= tickets[ticketID]?.cost ?? 0
        return ticketID
    }

    mutating func decrementPending(_ hint: String) {
        guard !hint.isEmpty, let count = pendingCached[hint] else { return }
        pendingCached[hint] = count > 1 ? count - 1 : nil
    }

    /// Wakes the pops sleeping on the worker's "something was queued for you" signal.
    mutating func wakeConditionWaiters(_ workerID: WorkerID) {
        guard let waiters = workers[workerID]?.conditionWaiters, !waiters.isEmpty else { return }
        workers[workerID]?.conditionWaiters.removeAll()
        markWoken(waiters)
    }

    /// Wakes the pops sleeping until the worker is activated or disconnects.
    mutating func wakeActivationWaiters(_ workerID: WorkerID) {
        guard let waiters = workers[workerID]?.activationWaiters, !waiters.isEmpty else { return }
        workers[workerID]?.activationWaiters.removeAll()
        markWoken(waiters)
    }

    private mutating func markWoken(_ requests: [PopRequestID]) {
        for request in requests {
            pops[request]?.wait = .woken
            woken.append(request)
        }
    }

    /// Forgets a disconnected registration once nothing refers to it any more.
    mutating func dropIfUnused(_ workerID: WorkerID) {
        guard let worker = workers[workerID], worker.state == .finished, worker.running == 0,
            worker.pendingPops == 0
        else { return }
        workers[workerID] = nil
    }
}
