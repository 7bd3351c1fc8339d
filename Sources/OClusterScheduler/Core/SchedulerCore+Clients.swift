// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension SchedulerCore {
    /// Whether a submission endpoint is still registered (ocluster checks this on every submit, so a removed
    /// client's `.cap` stops working at once). Answers from memory after the first look-up.
    func isEndpointValid(digest: [UInt8], client: String, serviceID: [UInt8]) -> Bool {
        if validEndpoints[digest] == client { return true }
        guard (try? store.client(forServiceID: serviceID)) == client else { return false }
        validEndpoints[digest] = client
        return true
    }

    /// See ``Scheduler/submit(endpoint:pool:descr:cacheHint:urgent:)``.
    func submit(
        endpoint: Scheduler.Endpoint,
        pool name: String,
        descr: StoredJobDescr,
        cacheHint: String,
        urgent: Bool
    ) throws(SchedulerError) -> SchedulerItem {
        guard isEndpointValid(digest: endpoint.digest, client: endpoint.client, serviceID: endpoint.serviceID) else {
            throw SchedulerError(.revoked, "Access has been revoked")
        }
        return try submit(client: endpoint.client, pool: name, descr: descr, cacheHint: cacheHint, urgent: urgent)
    }

    /// Queues a job for `client` in `pool`; `cacheHint` is the description's.
    func submit(
        client: String,
        pool name: String,
        descr: StoredJobDescr,
        cacheHint: String,
        urgent: Bool
    ) throws(SchedulerError) -> SchedulerItem {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, unknownPoolMessage(name)) }
        let item = SchedulerItem(
            descr: descr,
            pool: name,
            cacheHint: cacheHint,
            costEstimate: configuration.cost,
            jobID: nextJobID()
        )
        item.ticket = pools[name]!.pool.submit(client: client, item: item, urgent: urgent)
        metrics.clientQueued(client: client, pool: name, urgent: urgent, by: 1)
        _ = recordQueued(item, client: client, urgent: urgent)
        settle(name)
        return item
    }

    /// Removes a job that is still queued and fails its ticket's job with `reason`. Returns false if a worker
    /// already has it (or it was already cancelled).
    func cancelQueued(_ item: SchedulerItem, reason: String) -> Bool {
        let name = item.pool
        let requeued = retries.queued[ObjectIdentifier(item)] != nil
        guard item.promise.current == nil || requeued, pools[name] != nil else { return false }
        let cancelled: PoolJob<SchedulerItem>
        do {
            cancelled = try pools[name]!.pool.cancel(item.ticket)
        } catch {
            return false
        }
        if item.promise.resolve(.failure(RPCError(.failed, reason))) || requeued {
            metrics.clientQueued(client: cancelled.client, pool: name, urgent: cancelled.urgent, by: -1)
        }
        if requeued { requeuedJobCancelled(item, reason: reason) }
        let now = WallClock().now()
        activity.cancelled(pool: name, client: cancelled.client, waited: max(0, now - item.submitted), at: now)
        recordGone(item.jobID)
        settle(name)
        return true
    }

    /// The registered client ids, in byte order.
    func listClients() throws(SchedulerError) -> [String] {
        do {
            return try store.clients()
        } catch {
            throw SchedulerError(error)
        }
    }
}
