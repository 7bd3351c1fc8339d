// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto

/// The queued jobs' rows on their way to the store: a job's row is written before its `submit` answers, and
/// removed once a worker finished it or it was cancelled.
///
/// One write at a time: what comes while one is on its way (many clients submitting at once) goes in the next,
/// in one transaction, and every submit in it waits for that one commit.
struct QueueWrites {
    /// The outcome of one queue write.
    typealias Commit = QueueCommit

    /// Rows to add, in job order.
    var inserts: [QueuedJobRecord] = []
    /// Rows to remove.
    var deletes: [Int64] = []
    /// Settled when the write carrying `inserts` commits.
    var pending = Commit()
    /// The write on its way, if any.
    var inFlight: Commit?
    /// The removals it carries, sent again with the next write if it fails (a failed insert's job is
    /// cancelled instead).
    var inFlightDeletes: [Int64] = []
    /// The highest job number sent to the store so far.
    var lastSent: Int64 = 0
    /// The next job's number.
    var nextID: Int64 = 1
    /// The job each running job's status key stands for, to remove its row when it finishes.
    var running: [SchedulerActivity.RunningKey: Int64] = [:]
    /// The jobs queued again at start-up and held (no worker may take them) until their client reattaches,
    /// by job number; those left at the reattach timeout are cancelled.
    var restored: [Int64: RestoredJob] = [:]
    /// When they were restored (their reattach timeout runs from then).
    var restoredAt = ContinuousClock.now
    /// The highest job number restored (0: none): jobs up to it ran, perhaps, before the restart.
    var restoredUpTo: Int64 = 0
}
