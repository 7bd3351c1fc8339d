// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One attempt of a job, as the task that waits for its `result` on the worker knows it.
///
/// The job and its attempts are held weakly: they hold the worker's `Job`, and a client that drops its
/// references must still cancel the job on the worker (as in ocluster), so nothing but the client may keep
/// them alive. If the attempts are gone when the worker is lost, nobody is waiting for the job and it is not
/// retried. The job itself may be gone while its client still follows it (it dropped the ticket but kept the
/// `Job`): it is queued again from the description kept here.
final class WatchedAttempt: Sendable {
    weak let item: SchedulerItem?
    weak let attempts: JobAttempts?
    /// Which attempt (from 1).
    let attempt: Int
    let client: String
    let urgent: Bool
    let worker: String
    let descr: StoredJobDescr
    let cacheHint: String
    /// The job's row in the saved queue, which a new attempt keeps.
    let jobID: Int64

    init(item: SchedulerItem, attempts: JobAttempts, client: String, urgent: Bool, worker: String) {
        self.item = item
        self.descr = item.descr
        self.cacheHint = item.cacheHint
        self.jobID = item.jobID
        self.attempts = attempts
        self.attempt = attempts.attempt
        self.client = client
        self.urgent = urgent
        self.worker = worker
    }
}
