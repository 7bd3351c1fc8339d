// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Metrics
import Synchronization

/// The scheduler's metrics, under ocluster's names, through swift-metrics (so any backend can export them;
/// `ocluster-scheduler --listen-prometheus` uses swift-prometheus).
///
/// | name | kind | labels |
/// | --- | --- | --- |
/// | `ocluster_pool_jobs_submitted_total`, `…_cancelled_total`, `…_accepted_total` | counter | `pool` |
/// | `ocluster_pool_workers_connected`, `…_capacity`, `…_ready`, `…_paused` | gauge | `pool` |
/// | `ocluster_pool_queue_length` | gauge | `queue` (`incoming` or a worker), `pool`, `priority` (`high`/`low`) |
/// | `ocluster_scheduler_client_submitted_jobs` | gauge | `client`, `pool`, `priority` |
///
/// Pool gauges are refreshed by ``Scheduler/refreshMetrics()`` (before each scrape) rather than on every job,
/// which keeps a scheduling decision free of per-worker work; the per-client gauge is kept live.
public final class SchedulerMetrics: Sendable {
    let factory: any MetricsFactory
    private let clientGauges = Mutex<[String: Meter]>([:])

    /// Metrics created with `factory` (the global `MetricsSystem` one by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func exporter(pool: String) -> PoolMetricsExporter {
        PoolMetricsExporter(pool: pool, factory: factory)
    }

    /// Moves `ocluster_scheduler_client_submitted_jobs{client,pool,priority}` by `delta`.
    func clientQueued(client: String, pool: String, urgent: Bool, by delta: Int) {
        let priority = urgent ? "high" : "low"
        let key = "\(client)\u{0}\(pool)\u{0}\(priority)"
        let meter = clientGauges.withLock { gauges in
            if let meter = gauges[key] { return meter }
            let meter = Meter(
                label: "ocluster_scheduler_client_submitted_jobs",
                dimensions: [("client", client), ("pool", pool), ("priority", priority)],
                factory: factory
            )
            gauges[key] = meter
            return meter
        }
        if delta >= 0 { meter.increment(by: Double(delta)) } else { meter.decrement(by: Double(-delta)) }
    }
}

/// Turns PoolMetrics snapshots into counter increments and gauge values for one pool.
struct PoolMetricsExporter {
    let pool: String
    let factory: any MetricsFactory
    let submitted: Counter
    let cancelled: Counter
    let accepted: Counter
    let connected: Meter
    let capacity: Meter
    let ready: Meter
    let paused: Meter
    var queueLengths: [String: Meter] = [:]
    var last: PoolMetrics?

    init(pool: String, factory: any MetricsFactory) {
        self.pool = pool
        self.factory = factory
        let dimensions = [("pool", pool)]
        submitted = Counter(label: "ocluster_pool_jobs_submitted_total", dimensions: dimensions, factory: factory)
        cancelled = Counter(label: "ocluster_pool_jobs_cancelled_total", dimensions: dimensions, factory: factory)
        accepted = Counter(label: "ocluster_pool_jobs_accepted_total", dimensions: dimensions, factory: factory)
        connected = Meter(label: "ocluster_pool_workers_connected", dimensions: dimensions, factory: factory)
        capacity = Meter(label: "ocluster_pool_workers_capacity", dimensions: dimensions, factory: factory)
        ready = Meter(label: "ocluster_pool_workers_ready", dimensions: dimensions, factory: factory)
        paused = Meter(label: "ocluster_pool_workers_paused", dimensions: dimensions, factory: factory)
    }

    mutating func update(_ snapshot: PoolMetrics) {
        let previous = last
        submitted.increment(by: Int64(snapshot.jobsSubmitted - (previous?.jobsSubmitted ?? 0)))
        cancelled.increment(by: Int64(snapshot.jobsCancelled - (previous?.jobsCancelled ?? 0)))
        accepted.increment(by: Int64(snapshot.jobsAccepted - (previous?.jobsAccepted ?? 0)))
        connected.set(snapshot.workersConnected)
        capacity.set(snapshot.workersCapacity)
        ready.set(snapshot.workersReady)
        paused.set(snapshot.workersPaused)
        var seen = Set<String>()
        for length in snapshot.queueLengths {
            let priority = length.urgent ? "high" : "low"
            let key = "\(length.queue)\u{0}\(priority)"
            seen.insert(key)
            queueMeter(key, queue: length.queue, priority: priority).set(length.count)
        }
        // Queues of workers that have gone: report them empty rather than frozen.
        for (key, meter) in queueLengths where !seen.contains(key) { meter.set(0) }
        last = snapshot
    }

    private mutating func queueMeter(_ key: String, queue: String, priority: String) -> Meter {
        if let meter = queueLengths[key] { return meter }
        let meter = Meter(
            label: "ocluster_pool_queue_length",
            dimensions: [("queue", queue), ("pool", pool), ("priority", priority)],
            factory: factory
        )
        queueLengths[key] = meter
        return meter
    }
}
