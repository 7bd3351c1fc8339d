// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC

/// A queued job as `queued_jobs` keeps it, so that it is queued again after a restart (or, once it finished,
/// so that its client can still read its result).
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
    /// The result of a finished job whose client had not let go of it yet (nil: queued or running).
    var result: Result<String, RPCError>? = nil
}
