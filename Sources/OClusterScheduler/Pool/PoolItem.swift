// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Estimated cost of running an item, in seconds.
///
/// ocluster uses the same estimate for every job (10 s when the worker has the cache hint, 600 s when it
/// does not); the tests use 2 and 10.
public struct PoolCost: Sendable, Hashable {
    /// Cost on a worker that has built something with the same cache hint before.
    public var cached: Int
    /// Cost on a worker that has not.
    public var nonCached: Int

    /// Creates a cost estimate.
    public init(cached: Int, nonCached: Int) {
        self.cached = cached
        self.nonCached = nonCached
    }

    /// The estimate ocluster's scheduler uses for every job.
    public static let ocluster = PoolCost(cached: 10, nonCached: 600)
}

/// Something that can be queued in a Pool: a job description plus whatever the caller needs to answer
/// the submitter once a worker takes it.
public protocol PoolItem: Sendable {
    /// Items with the same hint are preferably sent to a worker that built that hint before.
    /// The empty string means "no hint".
    var cacheHint: String { get }

    /// How long the item is expected to take; used for fair queueing and load limits.
    var costEstimate: PoolCost { get }

    /// How the item is named in Pool/show() and Pool/dump().
    var dumpLabel: String { get }
}
