// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Pool {
    /// The pool's part of a ``SchedulerStatus``.
    ///
    /// - Parameters:
    ///   - queueLimit: how many waiting jobs to list (all are counted).
    ///   - lastSeen: worker name → when it was last heard from.
    ///   - runningByClient: client → its jobs running here (the pool counts running jobs per worker only).
    ///   - submitted: when a queued item was submitted.
    func status(
        queueLimit: Int,
        lastSeen: [String: Double],
        runningByClient: [String: Int],
        submitted: (Item) -> Double
    ) -> PoolStatus {
        let now = clock.now()
        var queuedByClient: [String: Int] = [:]
        var urgent = 0
        // The first `queueLimit` in priority order, kept sorted as the tickets are scanned: no sort of the
        // whole queue, which may hold a million jobs.
        var first: [TicketPriority] = []
        for (id, ticket) in tickets {
            queuedByClient[ticket.client, default: 0] += 1
            if ticket.urgent { urgent += 1 }
            let priority = TicketPriority(urgent: ticket.urgent, fairStartTime: ticket.fairStartTime, ticket: id)
            guard first.count < queueLimit || priority < first[first.count - 1] else { continue }
            first.insert(priority, at: first.partitioningIndex { priority < $0 })
            if first.count > queueLimit { first.removeLast() }
        }
        let queued = first.compactMap { priority -> QueuedJobStatus? in
            guard let ticket = tickets[priority.ticket] else { return nil }
            let worker: String? =
                switch ticket.location {
                case .backlog, .held: nil
                case .worker(let id): workers[id]?.name
                }
            return QueuedJobStatus(
                client: ticket.client,
                urgent: ticket.urgent,
                cacheHint: ticket.item.cacheHint,
                waiting: max(0, now - submitted(ticket.item)),
                worker: worker
            )
        }
        return PoolStatus(
            name: name,
            capacity: clusterCapacity,
            workers: workerStatuses(lastSeen: lastSeen),
            queuedTotal: tickets.count,
            queuedUrgent: urgent,
            queued: queued,
            clients: clientStatuses(now: now, queued: queuedByClient, running: runningByClient),
            jobsSubmitted: counters.jobsSubmitted,
            jobsAccepted: counters.jobsAccepted,
            jobsCancelled: counters.jobsCancelled
        )
    }

    private func workerStatuses(lastSeen: [String: Double]) -> [WorkerStatus] {
        let names = Set(persisted.workers.keys).union(connected.keys).sorted { $0.bytePrecedes($1) }
        return names.map { name in
            guard let id = connected[name], let worker = workers[id] else {
                return WorkerStatus(
                    name: name,
                    state: .inactive,
                    reasons: persisted.workers[name] == true ? ["disconnected", "admin pause"] : ["disconnected"],
                    running: 0,
                    capacity: nil,
                    queued: 0,
                    lastSeen: lastSeen[name]
                )
            }
            let reasons = inactiveReasons(id)
            return WorkerStatus(
                name: name,
                state: reasons.isEmpty ? .active : .paused,
                reasons: reasons.names,
                running: worker.running,
                capacity: worker.capacity,
                queued: worker.localQueue.count,
                lastSeen: lastSeen[name]
            )
        }
    }

    private func clientStatuses(now: Double, queued: [String: Int], running: [String: Int]) -> [ClientStatus] {
        let ids = Set(clients.keys).union(persisted.rates.keys).union(queued.keys).union(running.keys)
        let busyRates = ids.reduce(0.0) { sum, id in
            (queued[id] ?? 0) + (running[id] ?? 0) > 0 ? sum + rate(client: id) : sum
        }
        return ids.sorted { $0.bytePrecedes($1) }.map { id in
            let rate = rate(client: id)
            let busy = (queued[id] ?? 0) + (running[id] ?? 0) > 0
            let total = busy ? busyRates : busyRates + rate
            return ClientStatus(
                id: id,
                rate: rate,
                share: total > 0 ? rate / total : 0,
                queued: queued[id] ?? 0,
                running: running[id] ?? 0,
                delay: max(0, (clients[id]?.nextFairStartTime ?? now) - now)
            )
        }
    }
}

extension Array {
    /// The first index whose element satisfies `belongsAfter`, for an array partitioned by it (binary search).
    fileprivate func partitioningIndex(where belongsAfter: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
