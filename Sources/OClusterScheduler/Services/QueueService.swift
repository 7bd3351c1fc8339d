// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

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
        guard let job = try params.job(in: call.params) else { throw RPCError(.failed, "Missing job!") }
        switch await scheduler.pop(pool: pool, worker: worker, job: job.capability) {
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
        try await scheduler.setWorkerActive(pool: pool, worker: worker, active: params.active)
    }
}
