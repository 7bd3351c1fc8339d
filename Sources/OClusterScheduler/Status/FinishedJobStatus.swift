// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One job that left the scheduler, in ``SchedulerStatus/recentJobs``.
public struct FinishedJobStatus: Sendable, Codable, Hashable {
    /// How it ended.
    public enum Outcome: String, Sendable, Codable, Hashable {
        /// The worker reported success.
        case succeeded
        /// The worker reported a failure (including a build cancelled on the worker).
        case failed
        /// The worker's connection dropped while running it.
        case disconnected
        /// It was cancelled (or its ticket released) before any worker took it.
        case cancelled
    }

    /// The pool it ran in.
    public var pool: String
    /// The client that submitted it.
    public var client: String
    /// The worker that ran it; nil if it never reached one.
    public var worker: String?
    /// How it ended.
    public var outcome: Outcome
    /// Seconds from submission until a worker took it (or it was cancelled).
    public var waited: Double
    /// Seconds the worker ran it (0 if none did).
    public var duration: Double
    /// When it ended.
    public var finished: Double

    /// Creates a finished job's record.
    public init(
        pool: String,
        client: String,
        worker: String?,
        outcome: Outcome,
        waited: Double,
        duration: Double,
        finished: Double
    ) {
        self.pool = pool
        self.client = client
        self.worker = worker
        self.outcome = outcome
        self.waited = waited
        self.duration = duration
        self.finished = finished
    }
}
