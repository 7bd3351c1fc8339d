// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension Scheduler {
    /// What ``submit(endpoint:pool:descr:cacheHint:urgent:)`` returns: the handle the client's `Ticket` keeps.
    typealias Submitted = SchedulerItem

    /// A client's submission endpoint, as its `Submission` service knows it.
    struct Endpoint: Sendable {
        /// SHA-256 of the service ID.
        let digest: [UInt8]
        let client: String
        let serviceID: [UInt8]
    }

    /// Queues a job through a client's endpoint, if the endpoint has not been revoked ("Access has been
    /// revoked" otherwise).
    func submit(
        endpoint: Endpoint,
        pool name: String,
        descr: StoredJobDescr,
        cacheHint: String,
        urgent: Bool
    ) throws(SchedulerError) -> Submitted {
        try core.submit(endpoint: endpoint, pool: name, descr: descr, cacheHint: cacheHint, urgent: urgent)
    }

    /// Cancels the job of a ticket the client has released, if it is still queued ("Ticket released
    /// (cancelled)"). Called from `deinit`, so it queues the work: a client that drops many tickets at once
    /// costs one task, not one each.
    nonisolated func ticketReleased(_ submitted: Submitted) {
        guard submitted.promise.current == nil, releasedTickets.push(submitted) else { return }
        onActor { $0.cancelReleasedTickets() }
    }

    private func cancelReleasedTickets() {
        releasedTickets.drain { _ = core.cancelQueued($0, reason: "Ticket released (cancelled)") }
    }

    /// Removes a job that is still queued and fails its ticket's job with `reason`. Returns false if a worker
    /// already has it (or it was already cancelled).
    func cancelQueued(_ item: Submitted, reason: String) -> Bool {
        core.cancelQueued(item, reason: reason)
    }

    /// Creates a submission endpoint for `client` and returns its secret service ID, once committed.
    func addClient(_ client: String) async throws(SchedulerError) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let serviceID = (0..<SchedulerStore.serviceIDLength).map { _ in
            UInt8.random(in: .min ... .max, using: &generator)
        }
        try await commit(.addClient(client, serviceID: serviceID)) { scheduler in
            scheduler.logger.info("Created new submission endpoint for client \(ocamlQuoted(client))")
        }
        return serviceID
    }

    /// Revokes `client`'s endpoint and forgets its rates in every pool, once committed. Its queued jobs stay
    /// queued.
    func removeClient(_ client: String) async throws(SchedulerError) {
        guard (try? store.hasClient(client)) == true else {
            throw SchedulerError(.unknownClient, "Unknown client \(ocamlQuoted(client))")
        }
        let operation: SchedulerCore.PoolOperation = { pool in pool.removeClient(client) }
        var planned: [SchedulerCore.PoolPlan] = []
        for name in poolNames { planned.append(try core.plan(pool: name, operation)) }
        let plans = planned
        let changes = Dictionary(uniqueKeysWithValues: plans.map { ($0.pool, $0.changes) })
        try await commit(.removeClient(client, changes)) { scheduler in
            for plan in plans { scheduler.core.applyCommitted(plan, operation) }
            scheduler.core.validEndpoints = scheduler.core.validEndpoints.filter { $0.value != client }
            scheduler.logger.info("Removed endpoint for client \(ocamlQuoted(client))")
        }
    }

    /// The registered client ids, in byte order.
    func listClients() throws(SchedulerError) -> [String] {
        try core.listClients()
    }

    /// Sets `client`'s fair-share rate in `pool`, once committed. The client must exist ("No such user").
    func setRate(pool name: String, client: String, rate: Double) async throws(SchedulerError) {
        guard hasPool(name) else { throw SchedulerError(.unknownPool, "No such pool") }
        guard (try? store.hasClient(client)) == true else { throw SchedulerError(.unknownClient, "No such user") }
        try await commitPoolChange(pool: name) { (pool) throws(PoolError) in try pool.setRate(client: client, rate) }
    }
}
