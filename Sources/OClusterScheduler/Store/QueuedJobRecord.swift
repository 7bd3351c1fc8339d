// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A queued job as `queued_jobs` keeps it, so that it is queued again after a restart.
struct QueuedJobRecord: Sendable, Hashable {
    /// The job's number: the queue order across restarts (ascending).
    let id: Int64
    let pool: String
    let client: String
    let urgent: Bool
    let cacheHint: String
    /// The `JobDescr` frame as received (``StoredJobDescr/frame``).
    let descr: [UInt8]
    /// When it was submitted (wall-clock seconds).
    let submitted: Double
}
