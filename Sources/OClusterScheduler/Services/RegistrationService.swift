// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

/// A pool's `Registration` endpoint (`pool-NAME.cap`): workers register here and get their `Queue`.
///
/// This capability only lets a holder join the pool as a worker; it has no other methods, so a pool `.cap`
/// cannot submit jobs or administer anything.
final class RegistrationService: Registration.Server {
    let scheduler: Scheduler
    let pool: String

    init(scheduler: Scheduler, pool: String) {
        self.scheduler = scheduler
        self.pool = pool
    }

    func register(
        _ params: Registration.RegisterParams.Reader,
        _ results: Registration.RegisterResults.Builder,
        _ call: ServerCall
    ) async throws {
        guard let index = try params.worker.readCapability(), Int(index) < call.params.capabilities.count,
            let capability = call.params.capabilities[Int(index)]
        else { throw RPCError(.failed, "Missing worker argument!") }
        let name = try params.name
        let worker = Worker.Client(capability)
        let id: WorkerID
        do {
            id = try await scheduler.register(
                pool: pool,
                worker: name,
                capacity: Int(params.capacity),
                capability: worker
            )
        } catch {
            throw error.rpcError
        }
        call.results.setCapability(
            Capability(QueueService(scheduler: scheduler, pool: pool, worker: id)),
            in: results.queue
        )
    }
}

/// A registered worker's `Queue`. Releasing it (or losing the connection) disconnects the worker.
final class QueueService: Queue.Server {
    let scheduler: Scheduler
    let pool: String
    let worker: WorkerID

    init(scheduler: Scheduler, pool: String, worker: WorkerID) {
        self.scheduler = scheduler
        self.pool = pool
        self.worker = worker
    }

    deinit {
        let scheduler = scheduler
        let pool = pool
        let worker = worker
        Task { await scheduler.release(pool: pool, worker: worker) }
    }

    func pop(_ params: Queue.PopParams.Reader, _ results: Queue.PopResults.Builder, _ call: ServerCall) async throws {
        guard let index = try params.job.readCapability(), Int(index) < call.params.capabilities.count,
            let job = call.params.capabilities[Int(index)]
        else { throw RPCError(.failed, "Missing job!") }
        switch await scheduler.pop(pool: pool, worker: worker, job: job) {
        case .job(let descr):
            try results.setDescr(try descr.reader)
        case .disconnected:
            throw RPCError(.failed, "Worker disconnected")
        case .cancelled:
            throw RPCError(.failed, "Call cancelled")
        }
    }

    func setActive(
        _ params: Queue.SetActiveParams.Reader,
        _ results: Queue.SetActiveResults.Builder,
        _ call: ServerCall
    ) async throws {
        do {
            try await scheduler.setWorkerActive(pool: pool, worker: worker, active: params.active)
        } catch {
            throw error.rpcError
        }
    }
}
