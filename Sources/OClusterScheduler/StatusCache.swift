// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// The last status snapshot, reused for a moment: however many pages poll, the scheduler builds at most about
/// one snapshot per `maxAge` (building one scans every queued job on the scheduler's thread).
final class StatusCache: Sendable {
    private let last = Mutex<(taken: ContinuousClock.Instant, status: SchedulerStatus)?>(nil)
    let maxAge: Duration

    init(maxAge: Duration) { self.maxAge = maxAge }

    /// The cached snapshot if younger than `maxAge`, else a new one.
    func status(of scheduler: Scheduler) async -> SchedulerStatus {
        let now = ContinuousClock.now
        if let cached = last.withLock({ $0 }), now - cached.taken < maxAge { return cached.status }
        let fresh = await scheduler.statusSnapshot()
        last.withLock { $0 = (now, fresh) }
        return fresh
    }
}
