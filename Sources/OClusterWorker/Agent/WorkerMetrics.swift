// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// The worker's own Prometheus metrics (ocluster's `worker/metrics.ml`), rendered on demand
/// in text format 0.0.4 for `Worker.metrics(agent)`.
///
/// Kept in-process rather than in a metrics backend: the scheduler pulls them over Cap'n
/// Proto, so the worker never listens on a port.
public final class WorkerMetrics: Sendable {
    /// The content type `Worker.metrics(agent)` answers with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A Prometheus summary without quantiles: a sum and a count.
    struct Summary: Sendable {
        var sum = 0.0
        var count = 0
    }

    private struct State: Sendable {
        var jobsAccepted = 0
        var jobTime: [String: Summary] = [:]
        var dockerPushTime = Summary()
        var dockerPruneTime = Summary()
        var runningJobs = 0.0
        var healthcheckTime = 0.0
        var unhealthy = 0.0
        var cacheHits = 0.0
        var cacheMisses = 0.0
        var obuilderSpaceFree = 0.0
    }

    private let state = Mutex(State())

    public init() {}

    /// One more job popped.
    public func jobAccepted() { state.withLock { $0.jobsAccepted += 1 } }
    /// A job ended after `seconds`; `result` is `ok`, `fail`, `cancelled` or `error`.
    public func jobFinished(result: String, seconds: Double) {
        state.withLock { state in
            state.jobTime[result, default: Summary()].sum += seconds
            state.jobTime[result, default: Summary()].count += 1
        }
    }
    public func dockerPushed(seconds: Double) {
        state.withLock {
            $0.dockerPushTime.sum += seconds
            $0.dockerPushTime.count += 1
        }
    }
    public func dockerPruned(seconds: Double) {
        state.withLock {
            $0.dockerPruneTime.sum += seconds
            $0.dockerPruneTime.count += 1
        }
    }
    public func setRunningJobs(_ value: Int) { state.withLock { $0.runningJobs = Double(value) } }
    public func healthchecked(seconds: Double, healthy: Bool) {
        state.withLock {
            $0.healthcheckTime = seconds
            $0.unhealthy = healthy ? 0 : 1
        }
    }
    public func setCacheStats(hits: Int, misses: Int) {
        state.withLock {
            $0.cacheHits = Double(hits)
            $0.cacheMisses = Double(misses)
        }
    }
    public func setOBuilderSpaceFree(_ percent: Double) { state.withLock { $0.obuilderSpaceFree = percent } }

    /// The metrics in Prometheus text format.
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP ocluster_worker_\(name) \(help)\n# TYPE ocluster_worker_\(name) \(type)\n"
        }
        func sample(_ name: String, _ value: Double, labels: String = "") {
            out += "ocluster_worker_\(name)\(labels) \(Self.format(value))\n"
        }
        func summary(_ name: String, _ help: String, _ values: [(String, Summary)]) {
            header(name, "summary", help)
            for (labels, value) in values {
                sample(name + "_sum", value.sum, labels: labels)
                sample(name + "_count", Double(value.count), labels: labels)
            }
        }
        header("jobs_accepted_total", "counter", "Number of jobs accepted in total")
        sample("jobs_accepted_total", Double(s.jobsAccepted))
        summary(
            "job_time_seconds",
            "Time jobs ran for",
            s.jobTime.sorted { $0.key < $1.key }.map { ("{result=\"\($0.key)\"}", $0.value) }
        )
        summary("docker_push_time_seconds", "Time uploading to Docker Hub", [("", s.dockerPushTime)])
        summary("docker_prune_time_seconds", "Time spent pruning Docker cache", [("", s.dockerPruneTime)])
        for (name, help, value) in [
            ("running_jobs", "Number of jobs currently running", s.runningJobs),
            ("healthcheck_time_seconds", "Time to perform last healthcheck", s.healthcheckTime),
            ("unhealthy", "Number of unhealthy workers", s.unhealthy),
            ("cache_hits", "Number of OBuilder cache hits", s.cacheHits),
            ("cache_misses", "Number of OBuilder cache misses", s.cacheMisses),
            ("obuilder_space_free", "OBuilder percentage of space free", s.obuilderSpaceFree),
        ] {
            header(name, "gauge", help)
            sample(name, value)
        }
        return out
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
