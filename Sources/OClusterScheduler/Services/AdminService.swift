// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import OClusterAPI

/// The `Admin` endpoint (`admin.cap`): pools, per-pool administration, and client endpoints.
final class AdminService: Admin.Server {
    let services: SchedulerServices

    init(services: SchedulerServices) {
        self.services = services
    }

    var scheduler: Scheduler { services.scheduler }

    func pools(
        _ params: Admin.PoolsParams.Reader,
        _ results: Admin.PoolsResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.setNames(scheduler.poolNames)
    }

    func pool(_ params: Admin.PoolParams.Reader, _ results: Admin.PoolResults.Builder, _ call: ServerCall) async throws
    {
        let name = try params.name
        let pool: Capability =
            scheduler.hasPool(name)
            ? Capability(PoolAdminService(scheduler: scheduler, pool: name))
            : .broken(RPCError(.failed, "No such pool"))
        call.results.setCapability(pool, in: results.pool)
    }

    func addClient(
        _ params: Admin.AddClientParams.Reader,
        _ results: Admin.AddClientResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let id = try params.id
        let serviceID = try await scheduler.addClient(id)
        call.results.setCapability(services.submissionCapability(client: id, serviceID: serviceID), in: results.cap)
    }

    func removeClient(
        _ params: Admin.RemoveClientParams.Reader,
        _ results: Admin.RemoveClientResults.Builder,
        _ call: ServerCall
    ) async throws {
        try await scheduler.removeClient(try params.id)
    }

    func listClients(
        _ params: Admin.ListClientsParams.Reader,
        _ results: Admin.ListClientsResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.setClients(try await scheduler.listClients())
    }
}
