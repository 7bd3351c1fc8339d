// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI
import OClusterClient
import Synchronization

/// A scheduler's admin service with the refusals ocluster's gives, over pools of workers kept in
/// memory, for testing what ``AdminSession`` prints.
final class FakeAdmin: Admin.Server, Sendable {
    let pools: [String: FakePool]
    let clients = Mutex<[String]>([])

    init(pools: [String: FakePool]) { self.pools = pools }

    var client: Admin.Client { Admin.client(self) }

    func pools(
        _ params: Admin.PoolsParams.Reader,
        _ results: Admin.PoolsResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.setNames(pools.keys.sorted())
    }

    func pool(
        _ params: Admin.PoolParams.Reader,
        _ results: Admin.PoolResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let pool = pools[try params.name].map { Capability($0) } ?? .broken(RPCError(.failed, "No such pool"))
        call.results.setCapability(pool, in: results.pool)
    }

    func addClient(
        _ params: Admin.AddClientParams.Reader,
        _ results: Admin.AddClientResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        throw RPCError(.failed, "Client \(ocamlQuoted(try params.id)) already registered!")
    }

    func removeClient(
        _ params: Admin.RemoveClientParams.Reader,
        _ results: Admin.RemoveClientResults.Builder,
        _ call: ServerCall
    ) async throws {
        throw RPCError(.failed, "Unknown client \(ocamlQuoted(try params.id))")
    }

    func listClients(
        _ params: Admin.ListClientsParams.Reader,
        _ results: Admin.ListClientsResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.setClients(clients.withLock { $0 })
    }
}

/// One pool: its workers, and what `update` does to each.
final class FakePool: PoolAdmin.Server, Sendable {
    let roster: Mutex<[WorkerStatus]>
    let failingUpdates: Set<String>

    init(_ workers: [WorkerStatus], failingUpdates: Set<String> = []) {
        self.roster = Mutex(workers)
        self.failingUpdates = failingUpdates
    }

    func show(
        _ params: PoolAdmin.ShowParams.Reader,
        _ results: PoolAdmin.ShowResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.state = "\n  capacity: 0\n\n"
    }

    func workers(
        _ params: PoolAdmin.WorkersParams.Reader,
        _ results: PoolAdmin.WorkersResults.Builder,
        _ call: ServerCall
    ) async throws {
        let workers = roster.withLock { $0 }
        let list = results.initWorkers(count: workers.count)
        for (index, info) in workers.enumerated() {
            list[index].name = info.name
            list[index].active = info.active
            list[index].connected = info.connected
        }
    }

    func worker(
        _ params: PoolAdmin.WorkerParams.Reader,
        _ results: PoolAdmin.WorkerResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        throw RPCError(.failed, "Unknown worker")
    }

    func setActive(
        _ params: PoolAdmin.SetActiveParams.Reader,
        _ results: PoolAdmin.SetActiveResults.Builder,
        _ call: ServerCall
    ) async throws {
        let name = try params.worker
        let active = params.active
        let autoCreate = params.autoCreate
        try roster.withLock { workers in
            if let index = workers.firstIndex(where: { $0.name == name }) {
                workers[index].active = active
            } else if autoCreate {
                workers.append(WorkerStatus(name: name, active: active, connected: false))
            } else {
                throw RPCError(.failed, "Unknown worker")
            }
        }
    }

    func drain(
        _ params: PoolAdmin.DrainParams.Reader,
        _ results: PoolAdmin.DrainResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        try await report("Waiting for 0 jobs", params.hasProgress ? try call.params.capability(params.progress) : nil)
    }

    func update(
        _ params: PoolAdmin.UpdateParams.Reader,
        _ results: PoolAdmin.UpdateResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let name = try params.worker
        guard !failingUpdates.contains(name) else {
            throw RPCError(.failed, "Worker \(ocamlQuoted(name)) did not restart")
        }
        try await report("Restarting", params.hasProgress ? try call.params.capability(params.progress) : nil)
    }

    func setRate(
        _ params: PoolAdmin.SetRateParams.Reader,
        _ results: PoolAdmin.SetRateResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        throw RPCError(.failed, "No such user")
    }

    func forget(
        _ params: PoolAdmin.ForgetParams.Reader,
        _ results: PoolAdmin.ForgetResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let name = try params.worker
        try roster.withLock { workers in
            guard let index = workers.firstIndex(where: { $0.name == name }) else {
                throw RPCError(.failed, "Worker \(ocamlQuoted(name)) not known in this pool")
            }
            workers.remove(at: index)
        }
    }

    private func report(_ status: String, _ progress: Capability?) async throws {
        guard let progress else { return }
        _ = try await OClusterAPI.Progress.Client(progress).report(status: status)
    }
}
