// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Pool {
    /// Queues again a job whose worker was lost while running it, ahead of every other job of its urgency.
    ///
    /// The job keeps its client, urgency and cache hint (so it may go to a worker that has the hint cached).
    /// It is not a new submission: the client's fair-queueing clock and the submitted count do not move, and
    /// the job goes to the front because it has waited its turn once already. Returns its new ticket.
    @discardableResult
    public mutating func requeue(client: String, item: Item, urgent: Bool) -> TicketID {
        ensureClient(client)
        let hint = item.cacheHint
        if !hint.isEmpty { pendingCached[hint, default: 0] += 1 }
        return enqueue(item, client: client, urgent: urgent, fairStartTime: frontStartTime())
    }

    /// A fair start time earlier than that of every queued job (ties are broken by ticket number, and a new
    /// ticket's number is the highest), and no later than now.
    private func frontStartTime() -> Double {
        var earliest = clock.now()
        if let first = backlog.first { earliest = min(earliest, first.fairStartTime) }
        for worker in workers.values {
            if let first = worker.localQueue.first { earliest = min(earliest, first.fairStartTime) }
        }
        return earliest.nextDown
    }
}
