// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Scheduler {
    /// How many waiting jobs each pool's status lists (all of them are counted).
    public static let statusQueueLimit = 100

    /// A read-only picture of every pool, for the status page: one synchronous step on the actor.
    public func statusSnapshot() -> SchedulerStatus {
        let statuses = poolNames.compactMap { name -> PoolStatus? in
            guard let state = core.pools[name] else { return nil }
            return state.inspect { pool in
                pool.status(
                    queueLimit: Self.statusQueueLimit,
                    lastSeen: core.activity.lastSeen[name] ?? [:],
                    runningByClient: core.activity.runningByClient(pool: name),
                    submitted: \.submitted
                )
            }
        }
        return SchedulerStatus(time: WallClock().now(), pools: statuses, recentJobs: core.activity.recent.newestFirst())
    }
}
