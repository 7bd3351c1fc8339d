// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension Scheduler {
    /// The pool's state as `PoolAdmin.show` prints it.
    public func show(pool name: String) throws(SchedulerError) -> String {
        try core.show(pool: name)
    }

    /// ``show(pool:)`` plus the `cached:` line ocluster's tests print.
    public func dump(pool name: String) throws(SchedulerError) -> String {
        try core.dump(pool: name)
    }

    /// Every worker the pool knows (connected or not), with its state.
    public func knownWorkers(pool name: String) throws(SchedulerError) -> [PoolWorkerInfo] {
        try core.knownWorkers(pool: name)
    }

    /// The `Worker` capability of the connected worker `worker` (for metrics and self-update).
    public func workerCapability(pool name: String, worker: String) -> Worker.Client? {
        core.workerCapability(pool: name, worker: worker)
    }

    /// Admin pause (`active == false`) or unpause, persisted. With `autoCreate` an unknown name is added to
    /// the known workers first.
    /// known workers first. Returns once the change is committed to the database (see `Scheduler+Durable`).
    public func setAdminActive(
        pool name: String,
        worker: String,
        active: Bool,
        autoCreate: Bool
    ) async throws(SchedulerError) {
        try await commitPoolChange(pool: name) { (pool) throws(PoolError) in
            guard autoCreate || pool.isWorkerKnown(worker) else { throw PoolError(.unknownWorker, "Unknown worker") }
            try pool.setAdminPaused(workerNamed: worker, !active)
        }
    }

    /// Removes a disconnected worker from the known list, once committed to the database.
    public func forget(pool name: String, worker: String) async throws(SchedulerError) {
        try await commitPoolChange(pool: name) { (pool) throws(PoolError) in try pool.forgetWorker(worker) }
    }

    /// Admin-pauses the worker and waits until it runs no jobs, reporting `Running jobs: N` on each change.
    /// A known but disconnected worker is only paused ("Disconnected (nothing to drain)").
    public func drain(
        pool name: String,
        worker: String,
        progress: @Sendable (String) async -> Void
    ) async throws(SchedulerError) {
        try await setAdminActive(pool: name, worker: worker, active: false, autoCreate: false)
        switch core.drainState(pool: name, worker: worker) {
        case .disconnected:
            await progress("Disconnected (nothing to drain)")
        case .draining(let id, var running):
            while true {
                await progress("Running jobs: \(running)")
                if running == 0 { return }
                running = await runningJobs(pool: name, worker: id, differentFrom: running)
            }
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
        let start = try core.startUpdate(pool: name, worker: worker)
        var running = start.running
        while running > 0 {
            await progress("Running jobs: \(running)")
            running = await runningJobs(pool: name, worker: start.worker, differentFrom: running)
        }
        await progress("Restarting")
        logger.info("Restarting \(ocamlQuoted(worker))")
        // Registering for the reconnection before asking avoids missing a quick one.
        let (waiterID, registered) = core.awaitRegistration(pool: name, worker: worker)
        defer { core.removeRegistrationWaiter(pool: name, worker: worker, waiterID: waiterID) }
        do {
            _ = try await start.capability.selfUpdate()
        } catch let error as RPCError where error.kind == .disconnected {
            // Expected: the worker exits to restart.
        } catch {
            throw SchedulerError(.pool, RPCError.from(error).reason)
        }
        logger.info("Waiting for \(ocamlQuoted(worker)) to reconnect after update")
        if core.isReconnected(pool: name, worker: worker, previous: start.worker) { return }
        try await waitForRegistration(registered, pool: name, worker: worker, waiterID: waiterID)
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
            self.core.timeOutRegistration(pool: name, worker: worker, waiterID: waiterID)
        }
        defer { timer.cancel() }
        guard await registered.wait() else {
            throw SchedulerError(.timeout, "Timeout waiting for worker to reconnect!")
        }
    }
}
