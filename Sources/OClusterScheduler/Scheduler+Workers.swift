// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

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
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, unknownPoolMessage(name)) }
        let id: WorkerID
        do {
            id = try pools[name]!.pool.register(name: worker, capacity: capacity)
            try pools[name]!.pool.setActive(id, true, reason: .worker)
        } catch {
            if error.code == .nameTaken { logger.warning("Worker \(ocamlQuoted(worker)) already registered!") }
            settle(name)
            throw SchedulerError(error)
        }
        pools[name]!.workerCaps[id] = capability
        activity.saw(worker: worker, pool: name, at: WallClock().now())
        logger.info("Registered new worker \(ocamlQuoted(worker))", metadata: ["pool": "\(name)"])
        if let waiters = pools[name]!.registrationWaiters.removeValue(forKey: worker) {
            for waiter in waiters.values { waiter.resolve(true) }
        }
        settle(name)
        return id
    }

    /// The worker's `Queue` was released or its connection dropped: its queued jobs go back to the pool and
    /// its pending pops end. Jobs it was running are not re-queued (see ``JobProxy``).
    public func release(pool name: String, worker: WorkerID) {
        guard pools[name] != nil else { return }
        let workerName = pools[name]!.inspect { $0.name(of: worker) } ?? "?"
        do {
            try pools[name]!.pool.release(worker)
            activity.saw(worker: workerName, pool: name, at: WallClock().now())
            logger.info("Worker \(ocamlQuoted(workerName)) disconnected", metadata: ["pool": "\(name)"])
        } catch {
            // Already released: nothing to do.
        }
        pools[name]!.workerCaps[worker] = nil
        wakeRunningWaiters(pool: name, worker: worker)
        settle(name)
    }

    /// The worker pauses or resumes itself (`Queue.setActive`).
    public func setWorkerActive(pool name: String, worker: WorkerID, active: Bool) throws(SchedulerError) {
        guard pools[name] != nil else { return }
        defer { settle(name) }
        do {
            try pools[name]!.pool.setActive(worker, active, reason: .worker)
        } catch {
            throw SchedulerError(error)
        }
    }

    /// A worker asks for a job (`Queue.pop`), passing the `Job` object it will run it with. Returns when a
    /// job is assigned, the worker disconnects, or the call is cancelled.
    ///
    /// Nonisolated: the wait happens off the actor, so the actor's part is one synchronous step with no
    /// suspension point inside it.
    nonisolated(nonsending) func pop(pool name: String, worker: WorkerID, job: Capability) async -> PopAnswer {
        let (answer, request) = await perform { $0.startPop(pool: name, worker: worker, job: job) }
        guard let request else { return await answer.wait() }
        return await withTaskCancellationHandler {
            await answer.wait()
        } onCancel: {
            onActor { $0.abandonPop(pool: name, request: request) }
        }
    }

    /// The actor's part of ``pop(pool:worker:job:)``: the answer (already settled unless the pop is left
    /// pending), and the pending request's id.
    private func startPop(
        pool name: String,
        worker: WorkerID,
        job: Capability
    ) -> (PromiseCell<PopAnswer>, PopRequestID?) {
        guard pools[name] != nil else { return (PromiseCell(resolved: .disconnected), nil) }
        switch pools[name]!.pool.pop(worker) {
        case .done(.finished):
            settle(name)
            return (PromiseCell(resolved: .disconnected), nil)
        case .done(.job(let taken)):
            let answer = assign(taken, to: worker, job: job, in: name)
            settle(name)
            return (PromiseCell(resolved: answer), nil)
        case .pending(let request):
            let answer = PromiseCell<PopAnswer>()
            pools[name]!.pops[request] = PopWaiter(answer: answer, job: job, worker: worker)
            settle(name)
            return (answer, request)
        }
    }

    /// The worker gave up a pending pop (its call was finished or its connection dropped). The pool still
    /// holds the request; a job that later reaches it is put back in the queue.
    func abandonPop(pool name: String, request: PopRequestID) {
        pools[name]?.pops[request]?.answer.resolve(.cancelled)
    }

    /// The pool answered a pending pop.
    func complete(_ completion: PopCompletion<SchedulerItem>, in name: String) {
        let waiter = pools[name]!.pops.removeValue(forKey: completion.request)
        switch completion.outcome {
        case .finished:
            waiter?.answer.resolve(.disconnected)
        case .job(let taken):
            guard let waiter, waiter.answer.current == nil else {
                requeue(taken, from: completion.worker, in: name)
                return
            }
            waiter.answer.resolve(assign(taken, to: completion.worker, job: waiter.job, in: name))
        }
    }

    /// Hands a taken job to its worker: the client's ticket now resolves to the worker's `Job` (behind a
    /// ``JobProxy``), and the job counts as running until its `result` call settles.
    func assign(_ taken: PoolJob<SchedulerItem>, to worker: WorkerID, job: Capability, in name: String) -> PopAnswer {
        let item = taken.item
        let workerName = pools[name]!.inspect { $0.name(of: worker) } ?? "?"
        let proxy = JobProxy(worker: Job.Client(job), workerName: workerName)
        if item.promise.resolve(.success(Capability(proxy))) {
            metrics.clientQueued(client: taken.client, pool: name, urgent: taken.urgent, by: -1)
        }
        let now = WallClock().now()
        let running = activity.started(
            pool: name,
            client: taken.client,
            worker: workerName,
            waited: max(0, now - item.submitted),
            at: now
        )
        watch(job: CapabilityBox(job), pool: name, worker: worker, running: running)
        return .job(item.descr)
    }

    /// Puts a job whose pop was abandoned back in the queue (as a new submission of the same client).
    func requeue(_ taken: PoolJob<SchedulerItem>, from worker: WorkerID, in name: String) {
        pools[name]!.pool.jobFinished(worker)
        let item = taken.item
        item.ticket = pools[name]!.pool.submit(client: taken.client, item: item, urgent: taken.urgent)
        logger.info("Re-queued a job whose worker stopped waiting for it", metadata: ["pool": "\(name)"])
    }

    /// Counts the job as finished when its `Job.result` settles (any outcome, lost connection included), as
    /// ocluster does. The task keeps no reference to the job itself, so a client dropping it still cancels it.
    nonisolated func watch(
        job box: CapabilityBox,
        pool name: String,
        worker: WorkerID,
        running: SchedulerActivity.RunningKey
    ) {
        Task(executorPreference: home) {
            var outcome = FinishedJobStatus.Outcome.failed
            if let call = await Self.startResult(box) {
                do {
                    _ = try await call.response()
                    outcome = .succeeded
                } catch let error as RPCError where error.kind == .disconnected {
                    outcome = .disconnected
                } catch {
                    outcome = .failed
                }
            }
            await self.perform { [outcome] scheduler in
                scheduler.activity.finished(running, outcome: outcome, at: WallClock().now())
                scheduler.jobFinished(pool: name, worker: worker)
            }
        }
    }

    private static func startResult(_ box: CapabilityBox) async -> RPCCall? {
        guard let job = box.take() else { return nil }
        return await Job.Client(job).result { _, _ in }.call
    }

    /// A job the worker was running has ended.
    func jobFinished(pool name: String, worker: WorkerID) {
        guard pools[name] != nil else { return }
        pools[name]!.pool.jobFinished(worker)
        wakeRunningWaiters(pool: name, worker: worker)
        settle(name)
    }

    func wakeRunningWaiters(pool name: String, worker: WorkerID) {
        guard let waiters = pools[name]?.runningWaiters.removeValue(forKey: worker) else { return }
        for waiter in waiters { waiter.resolve(()) }
    }

    /// Waits until the worker's running-job count may have changed. The waiter is registered before the
    /// caller suspends, so a change made meanwhile is not missed.
    func runningJobsChanged(pool name: String, worker: WorkerID) async {
        guard pools[name] != nil else { return }
        let changed = PromiseCell<Void>()
        pools[name]!.runningWaiters[worker, default: []].append(changed)
        await changed.wait()
    }
}
