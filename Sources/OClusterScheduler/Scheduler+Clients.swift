// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
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

    /// Creates a submission endpoint for `client` and returns its secret service ID.
    func addClient(_ client: String) throws(SchedulerError) -> [UInt8] {
        try core.addClient(client)
    }

    /// Revokes `client`'s endpoint and forgets its rates in every pool. Its queued jobs stay queued.
    func removeClient(_ client: String) throws(SchedulerError) {
        try core.removeClient(client)
    }

    /// The registered client ids, in byte order.
    func listClients() throws(SchedulerError) -> [String] {
        try core.listClients()
    }

    /// Sets `client`'s fair-share rate in `pool`. The client must exist ("No such user").
    func setRate(pool name: String, client: String, rate: Double) throws(SchedulerError) {
        try core.setRate(pool: name, client: client, rate: rate)
    }
}
