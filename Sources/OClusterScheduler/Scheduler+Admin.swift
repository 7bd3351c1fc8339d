// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Logging
import OClusterAPI

extension Scheduler {
    /// The pool's state as `PoolAdmin.show` prints it.
    public func show(pool name: String) throws(SchedulerError) -> String {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        return state.pool.show()
    }

    /// ``show(pool:)`` plus the `cached:` line ocluster's tests print.
    public func dump(pool name: String) throws(SchedulerError) -> String {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        return state.pool.dump()
    }

    /// Every worker the pool knows (connected or not), with its state.
    public func knownWorkers(pool name: String) throws(SchedulerError) -> [PoolWorkerInfo] {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        return state.pool.knownWorkers()
    }

    /// The `Worker` capability of the connected worker `worker` (for metrics and self-update).
    public func workerCapability(pool name: String, worker: String) -> Worker.Client? {
        guard let state = pools[name], let id = state.pool.worker(named: worker) else { return nil }
        return state.workerCaps[id]
    }

    /// Admin pause (`active == false`) or unpause, persisted. With `autoCreate` an unknown name is added to
    /// the known workers first.
    public func setAdminActive(pool name: String, worker: String, active: Bool, autoCreate: Bool) throws(SchedulerError)
    {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, "No such pool") }
        guard autoCreate || pools[name]!.pool.isWorkerKnown(worker) else {
            throw SchedulerError(.unknownWorker, "Unknown worker")
        }
        defer { settle(name) }
        do {
            try pools[name]!.pool.setAdminPaused(workerNamed: worker, !active)
        } catch {
            throw SchedulerError(error)
        }
    }

    /// Removes a disconnected worker from the known list.
    public func forget(pool name: String, worker: String) throws(SchedulerError) {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, "No such pool") }
        defer { settle(name) }
        do {
            try pools[name]!.pool.forgetWorker(worker)
        } catch {
            throw SchedulerError(error)
        }
    }

    /// Admin-pauses the worker and waits until it runs no jobs, reporting `Running jobs: N` on each change.
    /// A known but disconnected worker is only paused ("Disconnected (nothing to drain)").
    public func drain(
        pool name: String,
        worker: String,
        progress: @Sendable (String) async -> Void
    ) async throws(SchedulerError) {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, "No such pool") }
        guard let id = pools[name]!.pool.worker(named: worker) else {
            guard pools[name]!.pool.isWorkerKnown(worker) else {
                throw SchedulerError(.unknownWorker, "Unknown worker")
            }
            try setAdminActive(pool: name, worker: worker, active: false, autoCreate: false)
            await progress("Disconnected (nothing to drain)")
            return
        }
        do {
            try pools[name]!.pool.setActive(id, false, reason: .adminPause)
        } catch {
            settle(name)
            throw SchedulerError(error)
        }
        settle(name)
        var running = pools[name]!.pool.runningJobs(id)
        while true {
            await progress("Running jobs: \(running)")
            if running == 0 { return }
            running = await runningJobs(pool: name, worker: id, differentFrom: running)
        }
    }

    /// A rolling restart of one connected worker: stop giving it jobs, wait for its running jobs, ask it to
    /// update itself (`Worker.selfUpdate`; a disconnection means it is restarting), then wait until a worker
    /// of the same name registers again (at most ``Configuration/restartTimeout``).
    public func update(
        pool name: String,
        worker: String,
        progress: @Sendable (String) async -> Void
    ) async throws(SchedulerError) {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, "No such pool") }
        guard let id = pools[name]!.pool.worker(named: worker), let capability = pools[name]!.workerCaps[id] else {
            throw SchedulerError(.unknownWorker, "Unknown worker")
        }
        do {
            try pools[name]!.pool.shutdown(id)
        } catch {
            settle(name)
            throw SchedulerError(error)
        }
        settle(name)
        var running = pools[name]!.pool.runningJobs(id)
        while running > 0 {
            await progress("Running jobs: \(running)")
            running = await runningJobs(pool: name, worker: id, differentFrom: running)
        }
        await progress("Restarting")
        logger.info("Restarting \(ocamlQuoted(worker))")
        // Registering for the reconnection before asking avoids missing a quick one.
        let waiterID = nextWaiterID()
        let registered = PromiseCell<Bool>()
        pools[name]!.registrationWaiters[worker, default: [:]][waiterID] = registered
        defer { _ = removeRegistrationWaiter(pool: name, worker: worker, waiterID: waiterID) }
        do {
            _ = try await capability.selfUpdate()
        } catch let error as RPCError where error.kind == .disconnected {
            // Expected: the worker exits to restart.
        } catch {
            throw SchedulerError(.pool, RPCError.from(error).reason)
        }
        logger.info("Waiting for \(ocamlQuoted(worker)) to reconnect after update")
        if let current = pools[name]!.pool.worker(named: worker), current != id { return }
        try await waitForRegistration(registered, pool: name, worker: worker, waiterID: waiterID)
    }

    private func nextWaiterID() -> UInt64 {
        nextKey += 1
        return nextKey
    }

    /// Waits for the running count to differ from `previous` (it may already).
    func runningJobs(pool name: String, worker: WorkerID, differentFrom previous: Int) async -> Int {
        while let current = pools[name]?.pool.runningJobs(worker), current == previous {
            await runningJobsChanged(pool: name, worker: worker)
        }
        return pools[name]?.pool.runningJobs(worker) ?? 0
    }

    private func waitForRegistration(
        _ registered: PromiseCell<Bool>,
        pool name: String,
        worker: String,
        waiterID: UInt64
    ) async throws(SchedulerError) {
        let timeout = configuration.restartTimeout
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.timeOutRegistration(pool: name, worker: worker, waiterID: waiterID)
        }
        defer { timer.cancel() }
        guard await registered.wait() else {
            throw SchedulerError(.timeout, "Timeout waiting for worker to reconnect!")
        }
    }

    private func timeOutRegistration(pool name: String, worker: String, waiterID: UInt64) {
        removeRegistrationWaiter(pool: name, worker: worker, waiterID: waiterID)?.resolve(false)
    }

    private func removeRegistrationWaiter(pool name: String, worker: String, waiterID: UInt64) -> PromiseCell<Bool>? {
        guard let waiter = pools[name]?.registrationWaiters[worker]?.removeValue(forKey: waiterID) else { return nil }
        if pools[name]!.registrationWaiters[worker]?.isEmpty == true { pools[name]!.registrationWaiters[worker] = nil }
        return waiter
    }
}
