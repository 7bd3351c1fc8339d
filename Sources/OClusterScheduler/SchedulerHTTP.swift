// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Foundation
import Logging
import OClusterAPI

/// What the scheduler's HTTP endpoint (`--listen-prometheus`) answers.
///
/// ocluster's routes, answered as ocluster does (GET only):
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
///
/// The read-only status page, which ocluster does not have (GET or HEAD; another method gets 405):
///
/// | path | answer |
/// | --- | --- |
/// | `/` | the page (HTML, inline CSS and script), which polls `api/status` |
/// | `/api/status` | ``SchedulerStatus`` as JSON |
/// | `/api/pools/P` | pool P's ``PoolStatus`` as JSON; 404 `{"error":"No such pool"}` if there is none |
///
/// Any other `/api/…` path: 404 `{"error":"Not found"}`. Snapshots are reused for up to a second, so that many
/// open pages cost the scheduler no more than one.
public struct SchedulerHTTP: Sendable {
    /// One answer.
    public struct Reply: Sendable {
        /// The status code.
        public var status: Int
        /// The `Content-Type` header.
        public var contentType: String
        /// Further headers.
        public var headers: [(name: String, value: String)]
        /// The body (the server leaves it out for HEAD).
        public var body: [UInt8]

        init(_ status: Int, _ contentType: String, _ body: [UInt8], headers: [(name: String, value: String)] = []) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }
    }

    let scheduler: Scheduler
    let statusCache: StatusCache
    let ownMetrics: @Sendable () async -> (contentType: String, body: [UInt8])
    let logger: Logger

    /// - Parameters:
    ///   - scheduler: where pools and workers are looked up.
    ///   - statusMaxAge: how long a status snapshot is reused for (the JSON is at most this old).
    ///   - ownMetrics: renders the process's metrics (called after ``Scheduler/refreshMetrics()``).
    public init(
        scheduler: Scheduler,
        logger: Logger = Logger(label: "ocluster.scheduler"),
        statusMaxAge: Duration = .seconds(1),
        ownMetrics: @escaping @Sendable () async -> (contentType: String, body: [UInt8])
    ) {
        self.scheduler = scheduler
        statusCache = StatusCache(maxAge: statusMaxAge)
        self.logger = logger
        self.ownMetrics = ownMetrics
    }

    /// Answers one request; `path` excludes the query string.
    public func respond(method: String, path: String) async -> Reply {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.isEmpty || parts[0] == "api" { return await status(method: method, parts: parts) }
        guard method == "GET" else { return text(400, "Bad request") }
        switch parts.count {
        case 1 where parts[0] == "metrics":
            await scheduler.refreshMetrics()
            let (contentType, body) = await ownMetrics()
            return Reply(200, contentType, body)
        case 5 where parts[0] == "pool" && parts[2] == "worker":
            return await workerMetrics(pool: parts[1], worker: parts[3], source: parts[4])
        default:
            return text(400, "Bad request")
        }
    }

    /// The status page and its JSON.
    private func status(method: String, parts: [String]) async -> Reply {
        guard method == "GET" || method == "HEAD" else {
            return Reply(405, "text/plain", Array("Method not allowed".utf8), headers: [("Allow", "GET, HEAD")])
        }
        let noStore = [(name: "Cache-Control", value: "no-store")]
        switch parts.count {
        case 0:
            return Reply(200, "text/html; charset=utf-8", Array(StatusPage.html.utf8), headers: noStore)
        case 2 where parts[1] == "status":
            return json(200, await statusCache.status(of: scheduler))
        case 3 where parts[1] == "pools":
            let name = parts[2].removingPercentEncoding ?? parts[2]
            guard let pool = await statusCache.status(of: scheduler).pools.first(where: { $0.name == name }) else {
                return json(404, ["error": "No such pool"])
            }
            return json(200, pool)
        default:
            return json(404, ["error": "Not found"])
        }
    }

    private func json(_ status: Int, _ value: some Encodable) -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return Reply(
                status,
                "application/json",
                Array(try encoder.encode(value)),
                headers: [("Cache-Control", "no-store")]
            )
        } catch {
            // Only a non-finite number could fail here, and the status holds none.
            logger.error("Cannot encode the status as JSON: \(error)")
            return Reply(500, "application/json", Array(#"{"error":"Cannot encode the status"}"#.utf8))
        }
    }

    private func workerMetrics(pool: String, worker: String, source: String) async -> Reply {
        guard scheduler.hasPool(pool) else { return text(400, "No such pool") }
        guard let client = await scheduler.workerCapability(pool: pool, worker: worker) else {
            return text(400, "Worker not connected")
        }
        do {
            switch source {
            case "metrics", "host-metrics":
                let response = try await client.metrics(source: source == "metrics" ? .agent : .host)
                return Reply(200, try response.results.contentType, Array(try response.results.data.utf8))
            default:
                let response = try await client.additionalMetric(source: source)
                switch try response.results.metric.which {
                case .metric(let metric):
                    return Reply(200, try metric.contentType, Array(try metric.data.utf8))
                case .notReported, ._unknown:
                    return text(404, "Not found")
                }
            }
        } catch {
            logger.warning("Error getting metrics for \(ocamlQuoted(pool))/\(ocamlQuoted(worker)): \(error)")
            return text(500, "Worker metrics collection failed")
        }
    }

    private func text(_ status: Int, _ body: String) -> Reply {
        Reply(status, "text/plain", Array(body.utf8))
    }
}
