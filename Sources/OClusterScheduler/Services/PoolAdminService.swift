// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

/// One pool's `PoolAdmin` (from `Admin.pool`): inspect, pause, drain, restart and forget workers, set rates.
final class PoolAdminService: PoolAdmin.Server {
    let scheduler: Scheduler
    let pool: String

    init(scheduler: Scheduler, pool: String) {
        self.scheduler = scheduler
        self.pool = pool
    }

    func show(
        _ params: PoolAdmin.ShowParams.Reader,
        _ results: PoolAdmin.ShowResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.state = try await scheduler.show(pool: pool)
    }

    func workers(
        _ params: PoolAdmin.WorkersParams.Reader,
        _ results: PoolAdmin.WorkersResults.Builder,
        _ call: ServerCall
    ) async throws {
        let workers = try await scheduler.knownWorkers(pool: pool)
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
        guard let worker = await scheduler.workerCapability(pool: pool, worker: try params.worker) else {
            throw RPCError(.failed, "Unknown worker")
        }
        call.results.setCapability(worker.capability, in: results.worker)
    }

    func setActive(
        _ params: PoolAdmin.SetActiveParams.Reader,
        _ results: PoolAdmin.SetActiveResults.Builder,
        _ call: ServerCall
    ) async throws {
        let worker = try params.worker
        try await scheduler.setAdminActive(
            pool: pool,
            worker: worker,
            active: params.active,
            autoCreate: params.autoCreate
        )
    }

    func drain(
        _ params: PoolAdmin.DrainParams.Reader,
        _ results: PoolAdmin.DrainResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let worker = try params.worker
        let progress = reporter(try params.progress(in: call.params))
        try await scheduler.drain(pool: pool, worker: worker, progress: progress)
    }

    func update(
        _ params: PoolAdmin.UpdateParams.Reader,
        _ results: PoolAdmin.UpdateResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let worker = try params.worker
        let progress = reporter(try params.progress(in: call.params))
        try await scheduler.update(pool: pool, worker: worker, progress: progress)
    }

    func setRate(
        _ params: PoolAdmin.SetRateParams.Reader,
        _ results: PoolAdmin.SetRateResults.Builder,
        _ call: ServerCall
    ) async throws {
        let client = try params.id
        let rate = params.rate
        try await scheduler.setRate(pool: pool, client: client, rate: rate)
    }

    func forget(
        _ params: PoolAdmin.ForgetParams.Reader,
        _ results: PoolAdmin.ForgetResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let worker = try params.worker
        try await scheduler.forget(pool: pool, worker: worker)
    }

    /// Sends progress lines to the admin's `Progress` object; a failed report is only logged, as in ocluster.
    private func reporter(_ progress: Progress.Client?) -> @Sendable (String) async -> Void {
        guard let progress else { return { _ in } }
        let logger = Logger(label: "ocluster.scheduler")
        return { status in
            do {
                _ = try await progress.report(status: status)
            } catch {
                logger.info("Failed to send progress report (\(status)): \(error)")
            }
        }
    }
}
