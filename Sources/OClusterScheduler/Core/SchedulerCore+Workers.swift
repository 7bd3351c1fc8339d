// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension SchedulerCore {
    /// See ``Scheduler/register(pool:worker:capacity:capability:)``.
    func register(
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

    /// See ``Scheduler/release(pool:worker:)``.
    func release(pool name: String, worker: WorkerID) {
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

    /// See ``Scheduler/setWorkerActive(pool:worker:active:)``.
    func setWorkerActive(pool name: String, worker: WorkerID, active: Bool) throws(SchedulerError) {
        guard pools[name] != nil else { return }
        defer { settle(name) }
        do {
            try pools[name]!.pool.setActive(worker, active, reason: .worker)
        } catch {
            throw SchedulerError(error)
        }
    }

    /// A worker asks for a job: the answer (already settled unless the pop is left pending), and the pending
    /// request's id. The waiter is registered here, before the caller first awaits.
    func startPop(pool name: String, worker: WorkerID, job: Capability) -> (PromiseCell<PopAnswer>, PopRequestID?) {
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

    /// Hands a taken job to its worker: the client's ticket now resolves to the job's ``JobProxyService``, which
    /// forwards to this worker's `Job`, and the job counts as running until its `result` call settles.
    func assign(_ taken: PoolJob<SchedulerItem>, to worker: WorkerID, job: Capability, in name: String) -> PopAnswer {
        let item = taken.item
        let workerName = pools[name]!.inspect { $0.name(of: worker) } ?? "?"
        let attempts = jobAttempts(for: taken, in: name)
        attempts.started(on: Job.Client(job), worker: workerName)
        attemptStarted(attempts, worker: workerName)
        let watched = WatchedAttempt(
            item: item,
            attempts: attempts,
            client: taken.client,
            urgent: taken.urgent,
            worker: workerName
        )
        let now = WallClock().now()
        let running = activity.started(
            pool: name,
            client: taken.client,
            worker: workerName,
            waited: max(0, now - item.submitted),
            at: now
        )
        queue.running[running] = item.jobID
        watchJob(CapabilityBox(job), watched, name, worker, running)
        return .job(item.descr)
    }

    /// Puts a job whose pop was abandoned back in the queue (as a new submission of the same client).
    func requeue(_ taken: PoolJob<SchedulerItem>, from worker: WorkerID, in name: String) {
        pools[name]!.pool.jobFinished(worker)
        let item = taken.item
        item.ticket = pools[name]!.pool.submit(client: taken.client, item: item, urgent: taken.urgent)
        logger.info("Re-queued a job whose worker stopped waiting for it", metadata: ["pool": "\(name)"])
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

    /// How many jobs the worker runs (0 once it is gone); nil if the pool is unknown.
    func runningJobCount(pool name: String, worker: WorkerID) -> Int? {
        pools[name]?.pool.runningJobs(worker)
    }

    /// A signal settled when the worker's running-job count may have changed. Taken in the same step as the
    /// count it is compared with, so that a change in between is not missed.
    func runningJobsChanged(pool name: String, worker: WorkerID) -> PromiseCell<Void>? {
        guard pools[name] != nil else { return nil }
        let changed = PromiseCell<Void>()
        pools[name]!.runningWaiters[worker, default: []].append(changed)
        return changed
    }
}
