// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension SchedulerCore {
    /// How a drain starts (see ``startDrain(pool:worker:)``).
    enum DrainStart {
        /// The worker is known but not connected: it was only paused.
        case disconnected
        /// The connected worker is paused; it runs this many jobs.
        case draining(WorkerID, running: Int)
    }

    /// How an update starts (see ``startUpdate(pool:worker:)``).
    struct UpdateStart {
        let worker: WorkerID
        let capability: Worker.Client
        let running: Int
    }

    /// The pool's state as `PoolAdmin.show` prints it.
    func show(pool name: String) throws(SchedulerError) -> String {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        return ([state.pool.show()] + retries.showLines(pool: name) + heldLines(pool: name)).joined(separator: "\n")
    }

    /// ``show(pool:)`` plus the `cached:` line ocluster's tests print.
    func dump(pool name: String) throws(SchedulerError) -> String {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        return state.pool.dump()
    }

    /// Every worker the pool knows (connected or not), with its state.
    func knownWorkers(pool name: String) throws(SchedulerError) -> [PoolWorkerInfo] {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        return state.pool.knownWorkers()
    }

    /// The `Worker` capability of the connected worker `worker`.
    func workerCapability(pool name: String, worker: String) -> Worker.Client? {
        guard let state = pools[name], let id = state.pool.worker(named: worker) else { return nil }
        return state.workerCaps[id]
    }

    /// Admin pause (`active == false`) or unpause, persisted. With `autoCreate` an unknown name is added to
    /// the known workers first.
    func setAdminActive(pool name: String, worker: String, active: Bool, autoCreate: Bool) throws(SchedulerError) {
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

    /// The first step of a drain: admin-pauses the worker.
    func startDrain(pool name: String, worker: String) throws(SchedulerError) -> DrainStart {
        guard pools[name] != nil else { throw SchedulerError(.unknownPool, "No such pool") }
        guard let id = pools[name]!.pool.worker(named: worker) else {
            guard pools[name]!.pool.isWorkerKnown(worker) else {
                throw SchedulerError(.unknownWorker, "Unknown worker")
            }
            try setAdminActive(pool: name, worker: worker, active: false, autoCreate: false)
            return .disconnected
        }
        do {
            try pools[name]!.pool.setActive(id, false, reason: .adminPause)
        } catch {
            settle(name)
            throw SchedulerError(error)
        }
        settle(name)
        return .draining(id, running: pools[name]!.pool.runningJobs(id))
    }

    /// Where a drain starts once the worker is admin-paused (see ``Scheduler/drain(pool:worker:progress:)``).
    func drainState(pool name: String, worker: String) -> DrainStart {
        guard let id = pools[name]?.pool.worker(named: worker) else { return .disconnected }
        return .draining(id, running: pools[name]!.pool.runningJobs(id))
    }

    /// The first step of an update: stops giving the connected worker jobs.
    func startUpdate(pool name: String, worker: String) throws(SchedulerError) -> UpdateStart {
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
        return UpdateStart(worker: id, capability: capability, running: pools[name]!.pool.runningJobs(id))
    }

    /// Registers for the next registration of a worker named `worker`: the signal is settled with true when
    /// it registers, with false by ``timeOutRegistration(pool:worker:waiterID:)``.
    func awaitRegistration(pool name: String, worker: String) -> (UInt64, PromiseCell<Bool>) {
        let waiterID = nextWaiterID()
        let registered = PromiseCell<Bool>()
        pools[name]?.registrationWaiters[worker, default: [:]][waiterID] = registered
        return (waiterID, registered)
    }

    /// Whether a worker of that name other than `previous` is connected (it re-registered already).
    func isReconnected(pool name: String, worker: String, previous: WorkerID) -> Bool {
        guard let current = pools[name]?.pool.worker(named: worker) else { return false }
        return current != previous
    }

    func timeOutRegistration(pool name: String, worker: String, waiterID: UInt64) {
        removeRegistrationWaiter(pool: name, worker: worker, waiterID: waiterID)?.resolve(false)
    }

    @discardableResult
    func removeRegistrationWaiter(pool name: String, worker: String, waiterID: UInt64) -> PromiseCell<Bool>? {
        guard let waiter = pools[name]?.registrationWaiters[worker]?.removeValue(forKey: waiterID) else { return nil }
        if pools[name]!.registrationWaiters[worker]?.isEmpty == true { pools[name]!.registrationWaiters[worker] = nil }
        return waiter
    }
}
