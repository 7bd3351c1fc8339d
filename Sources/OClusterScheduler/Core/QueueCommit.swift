// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Synchronization

/// The outcome of one queue write, awaited by every `submit` whose row it carries; settled by the write, or
/// by its timeout (see ``Scheduler/waitForQueueCommit(_:)``), whichever comes first.
///
/// The timeout is one per write, not one per submission: a cancelled `Task.sleep` leaves its wake-up queued
/// until the deadline, so a timer per submission kept one alive for the whole timeout for every job
/// submitted (30 000 at 3 000 submissions a second and the default 10 s).
final class QueueCommit: PromiseCell<Result<Void, SchedulerStoreError>>, @unchecked Sendable {
    // Sendable: the flag is atomic; the promise state is under its lock.
    private let timing = Atomic<Bool>(false)

    /// True for the first caller only: it starts the write's timeout.
    func startTiming() -> Bool {
        !timing.exchange(true, ordering: .relaxed)
    }
}
