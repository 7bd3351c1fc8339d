// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One pool in a ``SchedulerStatus``.
public struct PoolStatus: Sendable, Codable, Hashable {
    /// The pool's name.
    public var name: String
    /// The summed capacity of the connected workers.
    public var capacity: Int
    /// Every worker the pool knows, connected or not, in byte order of their names.
    public var workers: [WorkerStatus]
    /// How many jobs wait in the pool (in its backlog or on a worker's local queue).
    public var queuedTotal: Int
    /// How many of them are urgent.
    public var queuedUrgent: Int
    /// The first waiting jobs in priority order (urgent ones first, then by fair start time), at most
    /// ``Scheduler/statusQueueLimit`` of them; ``queuedTotal`` counts them all.
    public var queued: [QueuedJobStatus]
    /// Clients with a rate or fair-queueing state in this pool, in byte order of their ids.
    public var clients: [ClientStatus]
    /// Jobs submitted since the scheduler started (`ocluster_pool_jobs_submitted_total`).
    public var jobsSubmitted: Int
    /// Jobs taken by workers since the scheduler started.
    public var jobsAccepted: Int
    /// Jobs cancelled while still queued since the scheduler started.
    public var jobsCancelled: Int

    /// Creates a pool's picture.
    public init(
        name: String,
        capacity: Int,
        workers: [WorkerStatus],
        queuedTotal: Int,
        queuedUrgent: Int,
        queued: [QueuedJobStatus],
        clients: [ClientStatus],
        jobsSubmitted: Int,
        jobsAccepted: Int,
        jobsCancelled: Int
    ) {
        self.name = name
        self.capacity = capacity
        self.workers = workers
        self.queuedTotal = queuedTotal
        self.queuedUrgent = queuedUrgent
        self.queued = queued
        self.clients = clients
        self.jobsSubmitted = jobsSubmitted
        self.jobsAccepted = jobsAccepted
        self.jobsCancelled = jobsCancelled
    }
}
