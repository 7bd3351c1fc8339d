// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Logging
import OClusterAPI

/// What the scheduler's metrics HTTP endpoint answers, as `ocluster-scheduler --listen-prometheus` does:
///
/// | GET path | answer |
/// | --- | --- |
/// | `/metrics` | the scheduler's own metrics |
/// | `/pool/P/worker/W/metrics` | worker W's own metrics (`Worker.metrics(agent)`) |
/// | `/pool/P/worker/W/host-metrics` | its host's node-exporter metrics (`Worker.metrics(host)`) |
/// | `/pool/P/worker/W/NAME` | one of its extra sources (`Worker.additionalMetric`), 404 if it has none |
///
/// Unknown pool: 400 "No such pool"; worker not connected: 400 "Worker not connected"; RPC failure: 500
/// "Worker metrics collection failed"; anything else: 400 "Bad request".
public struct SchedulerHTTP: Sendable {
    let scheduler: Scheduler
    let ownMetrics: @Sendable () async -> (contentType: String, body: [UInt8])
    let logger: Logger

    /// - Parameters:
    ///   - scheduler: where pools and workers are looked up.
    ///   - ownMetrics: renders the process's metrics (called after ``Scheduler/refreshMetrics()``).
    public init(
        scheduler: Scheduler,
        logger: Logger = Logger(label: "ocluster.scheduler"),
        ownMetrics: @escaping @Sendable () async -> (contentType: String, body: [UInt8])
    ) {
        self.scheduler = scheduler
        self.logger = logger
        self.ownMetrics = ownMetrics
    }

    /// Answers one request.
    public func respond(method: String, path: String) async -> (status: Int, contentType: String, body: [UInt8]) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard method == "GET" else { return text(400, "Bad request") }
        switch parts.count {
        case 1 where parts[0] == "metrics":
            await scheduler.refreshMetrics()
            let (contentType, body) = await ownMetrics()
            return (200, contentType, body)
        case 5 where parts[0] == "pool" && parts[2] == "worker":
            return await workerMetrics(pool: parts[1], worker: parts[3], source: parts[4])
        default:
            return text(400, "Bad request")
        }
    }

    private func workerMetrics(
        pool: String,
        worker: String,
        source: String
    ) async -> (
        status: Int, contentType: String, body: [UInt8]
    ) {
        guard scheduler.hasPool(pool) else { return text(400, "No such pool") }
        guard let client = await scheduler.workerCapability(pool: pool, worker: worker) else {
            return text(400, "Worker not connected")
        }
        do {
            switch source {
            case "metrics", "host-metrics":
                let response = try await client.metrics(source: source == "metrics" ? .agent : .host)
                return (200, try response.results.contentType, Array(try response.results.data.utf8))
            default:
                let response = try await client.additionalMetric(source: source)
                switch try response.results.metric.which {
                case .metric(let metric):
                    return (200, try metric.contentType, Array(try metric.data.utf8))
                case .notReported, ._unknown:
                    return text(404, "Not found")
                }
            }
        } catch {
            logger.warning("Error getting metrics for \(ocamlQuoted(pool))/\(ocamlQuoted(worker)): \(error)")
            return text(500, "Worker metrics collection failed")
        }
    }

    private func text(_ status: Int, _ body: String) -> (status: Int, contentType: String, body: [UInt8]) {
        (status, "text/plain", Array(body.utf8))
    }
}
