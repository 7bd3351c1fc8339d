// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto

/// The queued jobs' rows on their way to the store: a job's row is written before its `submit` answers, keeps
/// the job's result once a worker finished it, and is removed once its client has let go of the job (or it
/// was cancelled).
///
/// One write at a time: what comes while one is on its way (many clients submitting at once) goes in the next,
/// in one transaction, and every submit in it waits for that one commit.
struct QueueWrites {
    /// The outcome of one queue write.
    typealias Commit = QueueCommit

    /// What the next write carries.
    var next = QueueBatch()
    /// Settled when the write carrying `next` commits.
    var pending = Commit()
    /// The write on its way, if any.
    var inFlight: Commit?
    /// What it carries, sent again with the next write if it fails (see ``QueueBatch/retried(before:)``).
    var inFlightBatch = QueueBatch()
    /// The highest job number sent to the store so far.
    var lastSent: Int64 = 0
    /// The next job's number.
    var nextID: Int64 = 1
    /// The job each running job's status key stands for, to remove its row when it finishes.
    var running: [SchedulerActivity.RunningKey: Int64] = [:]
    /// Finished jobs whose rows keep their results, until their clients let go of them.
    var kept: Set<Int64> = []
    /// The jobs queued again at start-up and held (no worker may take them) until their client reattaches,
    /// by job number; those left at the reattach timeout are cancelled.
    var restored: [Int64: RestoredJob] = [:]
    /// When they were restored (their reattach timeout runs from then).
    var restoredAt = ContinuousClock.now
    /// The highest job number restored (0: none): jobs up to it ran, perhaps, before the restart.
    var restoredUpTo: Int64 = 0
}
