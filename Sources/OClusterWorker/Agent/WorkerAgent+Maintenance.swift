// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Foundation
import Logging
import OClusterAPI
import Synchronization

extension WorkerAgent {
    /// Before each pop: if Docker is short of space, pause the worker (`Queue.setActive(false)`),
    /// let running jobs finish, prune, and resume once there is room again (ocluster's
    /// `maybe_prune`). Unlike ocluster, the worker is also resumed when the space comes back
    /// during a retry delay rather than through a prune.
    func maybePrune(_ queue: Queue.Client) async throws {
        guard let pruner = configuration.pruner, await pruner.isSpaceLow() else { return }
        logger.info("Disk-space low. Will finish current jobs and then prune.")
        try await setActive(queue, false)
        try await wait { $0.inUse == 0 ? () : nil }
        repeat {
            logger.info("All jobs finished. Pruning…")
            let clock = ContinuousClock()
            let started = clock.now
            do {
                try await pruner.prune()
                let elapsed = started.duration(to: clock.now)
                metrics.dockerPruned(
                    seconds: elapsed.seconds
                )
            } catch {
                logger.warning("docker prune command failed! Will retry in one hour.")
                try await clock.sleep(for: configuration.pruneRetryDelay)
                continue
            }
            guard await pruner.isSpaceLow() else { break }
            logger.warning("Disk-space still low after pruning! Will retry in one hour.")
            try await clock.sleep(for: configuration.pruneRetryDelay)
        } while await pruner.isSpaceLow()
        logger.info("Prune complete. Re-activating queue…")
        try await setActive(queue, true)
    }

    /// Before each pop, when a health check is due: run the OBuilder health check; while it
    /// fails, pause the worker and retry every ``WorkerConfiguration/healthcheckRetryDelay``.
    func checkHealth(_ queue: Queue.Client, last: inout Duration) async throws {
        guard let obuilder = configuration.obuilder, let period = configuration.healthcheckPeriod,
            period > .zero, clock.now - last >= period
        else { return }
        var active = true
        while true {
            let started = ContinuousClock.now
            var failure: (any Error)?
            do { try await obuilder.healthcheck() } catch { failure = error }
            let elapsed = started.duration(to: .now)
            metrics.healthchecked(seconds: Double(elapsed.components.seconds), healthy: failure == nil)
            last = clock.now
            guard let failure else {
                if !active {
                    logger.info("System is healthy again; unpausing")
                    try await setActive(queue, true)
                }
                return
            }
            logger.warning("Health check failed: \(failure)")
            if active {
                try await setActive(queue, false)
                active = false
            }
            try await clock.sleep(for: configuration.healthcheckRetryDelay)
        }
    }

    private func setActive(_ queue: Queue.Client, _ active: Bool) async throws {
        _ = try await awaitCancellable { _ = try await queue.setActive(active: active) }
    }
}
