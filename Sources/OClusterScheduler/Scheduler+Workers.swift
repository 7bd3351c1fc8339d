// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension Scheduler {
    /// A worker connects to `pool` (`Registration.register`). It becomes active at once unless an
    /// administrator paused that name.
    ///
    /// - Throws: ``SchedulerError`` `.nameTaken` ("Worker already registered!") if a worker of that name is
    ///   connected, `.invalidArgument` for a negative capacity.
    public func register(
        pool name: String,
        worker: String,
        capacity: Int,
        capability: Worker.Client
    ) throws(SchedulerError) -> WorkerID {
        try core.register(pool: name, worker: worker, capacity: capacity, capability: capability)
    }

    /// The worker's `Queue` was released or its connection dropped: its queued jobs go back to the pool and
    /// its pending pops end. Jobs it was running are queued again, if ``RequeuePolicy`` allows, once their
    /// `result` calls fail (see ``JobProxyService``).
    public func release(pool name: String, worker: WorkerID) {
        core.release(pool: name, worker: worker)
    }

    /// The worker pauses or resumes itself (`Queue.setActive`).
    public func setWorkerActive(pool name: String, worker: WorkerID, active: Bool) throws(SchedulerError) {
        try core.setWorkerActive(pool: name, worker: worker, active: active)
    }

    /// A worker asks for a job (`Queue.pop`), passing the `Job` object it will run it with. Returns when a
    /// job is assigned, the worker disconnects, or the call is cancelled.
    ///
    /// Nonisolated: the wait happens off the actor, so the actor's part is one synchronous step of the core.
    nonisolated(nonsending) func pop(pool name: String, worker: WorkerID, job: Capability) async -> PopAnswer {
        let (answer, request) = await perform { $0.core.startPop(pool: name, worker: worker, job: job) }
        guard let request else { return await answer.wait() }
        return await withTaskCancellationHandler {
            await answer.wait()
        } onCancel: {
            onActor { $0.core.abandonPop(pool: name, request: request) }
        }
    }

    /// Counts the job as finished when its `Job.result` settles (any outcome, lost connection included), as
    /// ocluster does. The task keeps no reference to the job itself, so a client dropping it still cancels it.
    nonisolated func watch(
        job box: CapabilityBox,
        attempt watched: WatchedAttempt,
        pool name: String,
        worker: WorkerID,
        running: SchedulerActivity.RunningKey
    ) {
        Task(executorPreference: home.executor) {
            var outcome = FinishedJobStatus.Outcome.failed
            var lost: RPCError?
            var result = Result<String, RPCError>.failure(RPCError(.failed, "Build failed"))
            if let call = await Self.startResult(box) {
                do {
                    result = .success(try await PendingCall<Job.ResultResults.Reader>(call).response().results.output)
                    outcome = .succeeded
                } catch let error as RPCError where error.kind == .disconnected {
                    outcome = .disconnected
                    lost = error
                } catch let error as RPCError {
                    outcome = .failed
                    result = .failure(error)
                } catch {
                    outcome = .failed
                }
            }
            await self.perform { [outcome, lost, result] scheduler in
                scheduler.core.activity.finished(running, outcome: outcome, at: WallClock().now())
                scheduler.core.jobFinished(pool: name, worker: worker)
                let ended = scheduler.core.attemptEnded(watched, lost: lost, result: result, pool: name)
                scheduler.core.runningJobFinished(running, outcome: ended)
            }
        }
    }

    private static func startResult(_ box: CapabilityBox) async -> RPCCall? {
        guard let job = box.take() else { return nil }
        return await Job.Client(job).result { _, _ in }.call
    }

    /// Waits for the worker's running-job count to differ from `previous` (it may already). Each check and
    /// the registration of its wake-up are one step, so a change in between is not missed.
    func runningJobs(pool name: String, worker: WorkerID, differentFrom previous: Int) async -> Int {
        while let current = core.runningJobCount(pool: name, worker: worker), current == previous,
            let changed = core.runningJobsChanged(pool: name, worker: worker)
        {
            await changed.wait()
        }
        return core.runningJobCount(pool: name, worker: worker) ?? 0
    }
}
