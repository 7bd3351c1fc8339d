// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A snapshot of the numbers ocluster exports as `ocluster_pool_*` Prometheus metrics.
public struct PoolMetrics: Sendable, Hashable {
    struct Counters: Sendable, Hashable {
        var jobsSubmitted = 0
        var jobsCancelled = 0
        var jobsAccepted = 0
    }

    /// One queue's length for one priority (`queue` is `incoming` for the backlog, else a worker's name).
    public struct QueueLength: Sendable, Hashable {
        /// `incoming`, or the worker name.
        public let queue: String
        /// Whether this counts urgent (`high`) or normal (`low`) jobs.
        public let urgent: Bool
        /// Jobs waiting.
        public let count: Int
    }

    /// `jobs_submitted_total`.
    public let jobsSubmitted: Int
    /// `jobs_cancelled_total`: jobs cancelled while still queued.
    public let jobsCancelled: Int
    /// `jobs_accepted_total`: jobs taken by workers.
    public let jobsAccepted: Int
    /// `workers_connected`.
    public let workersConnected: Int
    /// `workers_capacity`: summed capacity of connected workers.
    public let workersCapacity: Int
    /// `workers_paused`: connected workers that are inactive.
    public let workersPaused: Int
    /// `workers_ready`: pops waiting idle for work.
    public let workersReady: Int
    /// `queue_length`, for the backlog and each connected worker's local queue (both priorities).
    public let queueLengths: [QueueLength]
}

extension Pool {
    /// Current metric values. Costs O(connected workers).
    public var metrics: PoolMetrics {
        var lengths = [
            PoolMetrics.QueueLength(queue: "incoming", urgent: true, count: backlog.urgentCount),
            PoolMetrics.QueueLength(queue: "incoming", urgent: false, count: backlog.count - backlog.urgentCount),
        ]
        var paused = 0
        for name in connected.keys.sorted(by: { $0.bytePrecedes($1) }) {
            guard let id = connected[name], let worker = workers[id] else { continue }
            if worker.state != .running { paused += 1 }
            let queue = worker.localQueue
            lengths.append(PoolMetrics.QueueLength(queue: name, urgent: true, count: queue.urgentCount))
            lengths.append(PoolMetrics.QueueLength(queue: name, urgent: false, count: queue.count - queue.urgentCount))
        }
        return PoolMetrics(
            jobsSubmitted: counters.jobsSubmitted,
            jobsCancelled: counters.jobsCancelled,
            jobsAccepted: counters.jobsAccepted,
            workersConnected: connected.count,
            workersCapacity: clusterCapacity,
            workersPaused: paused,
            workersReady: mode == .ready ? ready.count : 0,
            queueLengths: lengths
        )
    }
}
