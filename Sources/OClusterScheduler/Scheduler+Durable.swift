// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging

/// Administrators' changes, made durably: each is planned on a copy of the pool (so that a refusal costs no
/// write), written by the ``StoreWriter`` thread, and made in memory only once committed. The caller's answer
/// waits for that, at most ``Configuration/databaseWriteTimeout``: a failed or timed-out write leaves the
/// scheduler as it was and the administrator gets the error.
///
/// A timed-out write is abandoned: skipped if it has not started, rolled back if it has not reached its
/// commit. One that was committing when the timeout fired still completes once the disk answers, and is
/// then made in memory too (memory follows the database).
extension Scheduler {
    /// Plans `operation` on the pool, commits it, then makes it.
    func commitPoolChange(
        pool name: String,
        _ operation: @escaping SchedulerCore.PoolOperation
    ) async throws(SchedulerError) {
        let plan = try core.plan(pool: name, operation)
        guard !plan.added.isEmpty else {
            core.applyCommitted(plan, operation)
            return
        }
        try await commit(.poolChanges([name: plan.changes])) { scheduler in
            scheduler.core.applyCommitted(plan, operation)
        }
    }

    /// Writes `change` on the writer thread and, once it committed, runs `apply` on the actor; returns then,
    /// or throws the store's error, or a timeout.
    func commit(
        _ change: StoreWrite,
        then apply: @escaping @Sendable (isolated Scheduler) -> Void
    ) async throws(SchedulerError) {
        let outcome = PromiseCell<Result<Void, SchedulerStoreError>>()
        let ticket = StoreWriter.Ticket()
        writer.enqueue(change, ticket: ticket) { result in
            self.onActor { scheduler in
                if case .success = result { apply(scheduler) }
                outcome.resolve(result)
            }
        }
        let timeout = configuration.databaseWriteTimeout
        let timer = Task(executorPreference: home.executor) {
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            let error = SchedulerStoreError(
                .timeout,
                "\(change.context): the database write did not complete within \(Self.describe(timeout)) "
                    + "(is the state directory's disk full, frozen or failing?); the change is not made, "
                    + "unless that write still commits"
            )
            if outcome.resolve(.failure(error)) { ticket.abandon() }
        }
        let result = await outcome.wait()
        timer.cancel()
        if case .failure(let error) = result {
            logger.error("\(error.message)")
            throw SchedulerError(error)
        }
    }

    /// Waits for the queue write carrying a submitted job, at most ``Configuration/databaseWriteTimeout`` from
    /// the first submission waiting for that write (one timer per write: see ``QueueCommit``).
    nonisolated func waitForQueueCommit(_ commit: QueueWrites.Commit) async -> Result<Void, SchedulerStoreError> {
        if let result = commit.current { return result }
        if commit.startTiming() {
            let timeout = configuration.databaseWriteTimeout
            // Not cancelled when the write commits: cancelling frees nothing before the deadline (see above).
            Task {
                try? await Task.sleep(for: timeout)
                commit.resolve(
                    .failure(
                        SchedulerStoreError(
                            .timeout,
                            "Saving the job: the database write did not complete within \(Self.describe(timeout)) "
                                + "(is the state directory's disk full, frozen or failing?)"
                        )
                    )
                )
            }
        }
        return await commit.wait()
    }

    /// `10s`, `0.5s`.
    static func describe(_ duration: Duration) -> String {
        duration.components.attoseconds == 0 ? "\(duration.components.seconds)s" : "\(duration.seconds)s"
    }
}
