// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What the pools do not keep but the status page shows: when each worker was last heard from, who submitted
/// each running job, and the last finished jobs. The scheduler actor owns it and feeds it events; it never
/// affects a scheduling decision.
struct SchedulerActivity: Sendable {
    /// A job a worker has taken and not yet finished.
    struct RunningJob: Sendable {
        let pool: String
        let client: String
        let worker: String
        /// Seconds from submission until the worker took it.
        let waited: Double
        let started: Double
    }

    /// Identifies one running job between ``started(pool:client:worker:waited:at:)`` and
    /// ``finished(_:outcome:at:)``.
    struct RunningKey: Hashable, Sendable {
        let rawValue: UInt64
    }

    /// How many finished jobs are remembered, all pools together.
    static let historyLength = 50

    /// Pool → worker name → time.
    private(set) var lastSeen: [String: [String: Double]] = [:]
    private var running: [RunningKey: RunningJob] = [:]
    private var nextKey: UInt64 = 0
    private(set) var recent = RecentJobs(capacity: historyLength)

    mutating func saw(worker: String, pool: String, at time: Double) {
        lastSeen[pool, default: [:]][worker] = time
    }

    mutating func started(
        pool: String,
        client: String,
        worker: String,
        waited: Double,
        at time: Double
    )
        -> RunningKey
    {
        nextKey += 1
        let key = RunningKey(rawValue: nextKey)
        running[key] = RunningJob(pool: pool, client: client, worker: worker, waited: waited, started: time)
        saw(worker: worker, pool: pool, at: time)
        return key
    }

    mutating func finished(_ key: RunningKey, outcome: FinishedJobStatus.Outcome, at time: Double) {
        guard let job = running.removeValue(forKey: key) else { return }
        recent.append(
            FinishedJobStatus(
                pool: job.pool,
                client: job.client,
                worker: job.worker,
                outcome: outcome,
                waited: job.waited,
                duration: max(0, time - job.started),
                finished: time
            )
        )
        if outcome != .disconnected { saw(worker: job.worker, pool: job.pool, at: time) }
    }

    mutating func cancelled(pool: String, client: String, waited: Double, at time: Double) {
        recent.append(
            FinishedJobStatus(
                pool: pool,
                client: client,
                worker: nil,
                outcome: .cancelled,
                waited: waited,
                duration: 0,
                finished: time
            )
        )
    }

    /// Client → jobs running in `pool`.
    func runningByClient(pool: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for job in running.values where job.pool == pool { counts[job.client, default: 0] += 1 }
        return counts
    }
}
