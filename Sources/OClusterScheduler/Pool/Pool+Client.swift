// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension Pool {
    /// Makes sure the client has in-memory state (ocluster's `Pool.client`); its fair-queueing clock starts
    /// now. ``submit(client:item:urgent:)`` and ``setRate(client:_:)`` do this implicitly.
    public mutating func ensureClient(_ client: String) {
        guard clients[client] == nil else { return }
        clients[client] = Client(nextFairStartTime: clock.now())
    }

    /// Queues a job for `client` and returns its ticket.
    ///
    /// Fair queueing: each job gets a start time no earlier than now and no earlier than the end of the
    /// client's previous job, where a job "lasts" its estimated cost divided by the client's rate. Under
    /// contention jobs run in start-time order, so clients share workers in proportion to their rates.
    /// Urgent jobs go ahead of all non-urgent ones. There is no limit on the number of jobs.
    ///
    /// A `held` job gets its place in the order now but waits outside every queue, where no worker can take
    /// it, until ``releaseHeld(_:)``.
    @discardableResult
    public mutating func submit(client: String, item: Item, urgent: Bool = false, held: Bool = false) -> TicketID {
        ensureClient(client)
        let costs = item.costEstimate
        let hint = item.cacheHint
        let cost: Int
        if hint.isEmpty {
            cost = costs.nonCached
        } else {
            // Another job with this hint is already queued, or some worker has built it: assume it will be
            // cached by the time this one runs.
            let pending = pendingCached[hint] ?? 0
            pendingCached[hint] = pending + 1
            cost = pending > 0 || persisted.cachedWorkers[hint] != nil ? costs.cached : costs.nonCached
        }
        let now = clock.now()
        let start = max(now, clients[client]?.nextFairStartTime ?? now)
        let rate = rate(client: client)
        clients[client]?.nextFairStartTime = start + Double(cost) / rate
        counters.jobsSubmitted += 1
        return enqueue(item, client: client, urgent: urgent, fairStartTime: start, held: held)
    }

    /// Gives `item` a new ticket ordered by `fairStartTime`, and places it in the backlog unless `held`.
    mutating func enqueue(
        _ item: Item,
        client: String,
        urgent: Bool,
        fairStartTime: Double,
        held: Bool = false
    ) -> TicketID {
        nextTicket += 1
        let ticketID = TicketID(nextTicket)
        tickets[ticketID] = Ticket(
            item: item,
            client: client,
            urgent: urgent,
            fairStartTime: fairStartTime,
            cost: -1,
            location: held ? .held : .backlog
        )
        if !held { add(ticketID) }
        return ticketID
    }

    /// Queues a held job (see ``submit(client:item:urgent:held:)``) with the place it was given then. Returns
    /// false if it is not held (released already, cancelled, or never held).
    @discardableResult
    public mutating func releaseHeld(_ ticketID: TicketID) -> Bool {
        guard case .held = tickets[ticketID]?.location else { return false }
        tickets[ticketID]?.location = .backlog
        add(ticketID)
        return true
    }

    /// Whether the ticket is held (see ``submit(client:item:urgent:held:)``).
    public func isHeld(_ ticketID: TicketID) -> Bool {
        guard case .held = tickets[ticketID]?.location else { return false }
        return true
    }

    /// Removes a job that is still waiting, from the backlog or from a worker's local queue.
    ///
    /// Fails with `.notQueued` once a worker has taken it; the caller must then cancel the running job on
    /// the worker instead. The cache-hint record made when it was placed on a worker is kept. Returns the job
    /// as it was queued.
    @discardableResult
    public mutating func cancel(_ ticketID: TicketID) throws(PoolError) -> PoolJob<Item> {
        guard let ticket = tickets.removeValue(forKey: ticketID) else {
            throw PoolError(.notQueued, "Job is no longer queued")
        }
        decrementPending(ticket.item.cacheHint)
        switch ticket.location {
        case .backlog:
            backlog.remove(ticketID)
        case .worker(let workerID):
            workers[workerID]?.localQueue.remove(ticketID)
            workers[workerID]?.workload -= ticket.cost
        case .held:
            break
        }
        counters.jobsCancelled += 1
        return PoolJob(ticket: ticketID, item: ticket.item, client: ticket.client, urgent: ticket.urgent)
    }

    /// Sets the number of jobs the client can expect to run at once when the pool is busy. Clients may
    /// still use any spare capacity beyond this. The rate is durable.
    public mutating func setRate(client: String, _ rate: Double) throws(PoolError) {
        guard rate.isFinite, rate > 0 else {
            throw PoolError(.invalidRate, "Rate must be a positive number")
        }
        ensureClient(client)
        record(.setRate(client: client, rate: rate))
    }

    /// The client's rate (1 unless set).
    public func rate(client: String) -> Double { persisted.rates[client] ?? 1.0 }

    /// Forgets everything about the client: its rate and its fair-queueing state. Jobs it already queued
    /// stay queued. Call this on every pool when a client is deleted.
    public mutating func removeClient(_ client: String) {
        record(.removeRate(client: client))
        clients[client] = nil
    }
}
