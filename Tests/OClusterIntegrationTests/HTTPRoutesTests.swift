// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

/// Every route of the real `ocluster-scheduler --listen-prometheus` server, over a plain socket:
/// ocluster's metrics routes answer as its cohttp handler does (GET only, 400 otherwise), the
/// status routes as documented in the README (GET and HEAD, 404 JSON, 405 with `Allow`).
@Suite(.serialized) struct HTTPRoutesTests {
    @Test func theSchedulersRoutesAnswerAsDocumented() async throws {
        let cluster = try await ClusterHarness()
        let port = cluster.port + 1
        try await cluster.startScheduler(["--listen-prometheus", "127.0.0.1:\(port)"])
        func request(_ method: String, _ path: String) async throws -> RawHTTP.Response {
            try await RawHTTP.request(port: port, method, path)
        }

        let metrics = try await request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4")
        for line in [
            "# TYPE ocluster_pool_workers_connected gauge",
            "# TYPE capnp_net_connections gauge",
            "# TYPE process_open_fds gauge",
        ] {
            #expect(metrics.text.contains(line + "\n"), "\(line) missing from:\n\(metrics.text)")
        }
        #expect(metrics.text.contains("ocluster_pool_workers_connected{pool=\"\(cluster.pool)\"} 0.0\n"))
        #expect(metrics.text.contains("ocluster_pool_jobs_submitted_total{pool=\"\(cluster.pool)\"} 0\n"))
        for (method, path) in [("POST", "/metrics"), ("GET", "/nothing"), ("GET", "/pool/\(cluster.pool)/metrics")] {
            let response = try await request(method, path)
            #expect(response.status == 400, "\(method) \(path)")
            #expect(response.text == "Bad request", "\(method) \(path)")
        }
        let headMetrics = try await request("HEAD", "/metrics")
        #expect(headMetrics.status == 400)
        #expect(headMetrics.body.isEmpty)
        let noPool = try await request("GET", "/pool/nope/worker/w/metrics")
        #expect(noPool.status == 400)
        #expect(noPool.text == "No such pool")

        let status = try await request("GET", "/api/status")
        #expect(status.status == 200)
        #expect(status.headers["content-type"] == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        let pools = try #require(json["pools"] as? [[String: Any]])
        #expect(pools.map { $0["name"] as? String } == [cluster.pool])
        let pool = try await request("GET", "/api/pools/\(cluster.pool)")
        #expect(pool.status == 200)
        #expect(pool.text.contains("\"name\":\"\(cluster.pool)\""))
        let unknownPool = try await request("GET", "/api/pools/nope")
        #expect(unknownPool.status == 404)
        #expect(unknownPool.text == #"{"error":"No such pool"}"#)
        let unknown = try await request("GET", "/api/nothing")
        #expect(unknown.status == 404)
        #expect(unknown.text == #"{"error":"Not found"}"#)

        let page = try await request("GET", "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        let head = try await request("HEAD", "/api/status")
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "application/json")
        #expect(head.body.isEmpty)
        let post = try await request("POST", "/api/status")
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        // The server still answers after all that.
        #expect(try await RawHTTP.get(port: port, "/api/status").contains("\"pools\""))
    }
}
