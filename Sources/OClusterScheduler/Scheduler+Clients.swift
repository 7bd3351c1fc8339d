// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Logging
import OClusterAPI

extension Scheduler {
    /// What ``submit(client:pool:descr:urgent:)`` returns: the handle the client's `Ticket` keeps.
    struct Submitted: Sendable {
        let key: UInt64
        let promise: JobPromise
    }

    /// Whether a submission endpoint is still registered (ocluster checks this on every submit, so a
    /// removed client's `.cap` stops working at once). Answers from memory after the first look-up.
    func isEndpointValid(digest: [UInt8], client: String, serviceID: [UInt8]) -> Bool {
        if validEndpoints[digest] == client { return true }
        guard (try? store.client(forServiceID: serviceID)) == client else { return false }
        validEndpoints[digest] = client
        return true
    }

    /// Queues a job for `client` in `pool`.
    func submit(
        client: String,
        pool name: String,
        descr: JobDescr.Reader,
        urgent: Bool
    ) throws(SchedulerError)
        -> Submitted
    {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, unknownPoolMessage(name)) }
        nextKey += 1
        let promise = JobPromise()
        let item = SchedulerItem(
            key: nextKey,
            descr: descr,
            cacheHint: (try? descr.cacheHint) ?? "",
            urgent: urgent,
            costEstimate: configuration.cost,
            promise: promise
        )
        let ticket = pools[name]!.pool.submit(client: client, item: item, urgent: urgent)
        tickets[nextKey] = TicketEntry(pool: name, ticket: ticket, client: client, urgent: urgent)
        metrics.clientQueued(client: client, pool: name, urgent: urgent, by: 1)
        settle(name)
        return Submitted(key: nextKey, promise: promise)
    }

    /// Removes a job that is still queued and fails its ticket's job with `reason`. Returns false if a worker
    /// already has it (or it was already cancelled).
    func cancelQueued(key: UInt64, promise: JobPromise, reason: String) -> Bool {
        guard let entry = tickets[key], pools[entry.pool] != nil else { return false }
        do {
            try pools[entry.pool]!.pool.cancel(entry.ticket)
        } catch {
            return false
        }
        tickets[key] = nil
        if promise.resolve(.failure(RPCError(.failed, reason))) {
            metrics.clientQueued(client: entry.client, pool: entry.pool, urgent: entry.urgent, by: -1)
        }
        settle(entry.pool)
        return true
    }

    /// Creates a submission endpoint for `client` and returns its secret service ID.
    func addClient(_ client: String) throws(SchedulerError) -> [UInt8] {
        let serviceID: [UInt8]
        do {
            serviceID = try store.addClient(client)
        } catch {
            throw SchedulerError(error)
        }
        logger.info("Created new submission endpoint for client \(ocamlQuoted(client))")
        return serviceID
    }

    /// Revokes `client`'s endpoint and forgets its rates in every pool. Its queued jobs stay queued.
    func removeClient(_ client: String) throws(SchedulerError) {
        guard (try? store.hasClient(client)) == true else {
            throw SchedulerError(.unknownClient, "Unknown client \(ocamlQuoted(client))")
        }
        var changes: [String: [PoolChange]] = [:]
        for name in poolNames {
            pools[name]!.pool.removeClient(client)
            changes[name] = pools[name]!.pool.drainChanges()
        }
        do {
            try store.removeClient(client, applying: changes)
        } catch {
            throw SchedulerError(error)
        }
        validEndpoints = validEndpoints.filter { $0.value != client }
        logger.info("Removed endpoint for client \(ocamlQuoted(client))")
    }

    /// The registered client ids, in byte order.
    func listClients() throws(SchedulerError) -> [String] {
        do {
            return try store.clients()
        } catch {
            throw SchedulerError(error)
        }
    }

    /// Sets `client`'s fair-share rate in `pool`. The client must exist ("No such user").
    func setRate(pool name: String, client: String, rate: Double) throws(SchedulerError) {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, "No such pool") }
        guard (try? store.hasClient(client)) == true else { throw SchedulerError(.unknownClient, "No such user") }
        defer { settle(name) }
        do {
            try pools[name]!.pool.setRate(client: client, rate)
        } catch {
            throw SchedulerError(error)
        }
    }
}
