// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A read-only picture of the whole scheduler at one instant, for the status page and `/api/status`.
///
/// It holds names, counts and times only: no capability, sturdy ref, key or job description, since the page
/// is served without authentication. Times are seconds since the Unix epoch; durations are seconds.
public struct SchedulerStatus: Sendable, Codable, Hashable {
    /// When the picture was taken.
    public var time: Double
    /// Every pool, in byte order of their names.
    public var pools: [PoolStatus]
    /// The most recently finished jobs of every pool, newest first (a bounded history).
    public var recentJobs: [FinishedJobStatus]

    /// Creates a picture.
    public init(time: Double, pools: [PoolStatus], recentJobs: [FinishedJobStatus]) {
        self.time = time
        self.pools = pools
        self.recentJobs = recentJobs
    }
}
