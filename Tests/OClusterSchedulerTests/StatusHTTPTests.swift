// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterCLISupport
import OClusterScheduler
import TestSupport
import Testing

/// The status page and its JSON, served by the real HTTP server over a real socket (as `--listen-prometheus`
/// serves them), next to ocluster's metrics routes, which must keep answering as ocluster does.
@Suite(.timeLimit(.minutes(1)))
struct StatusHTTPTests {
    /// A scheduler with one worker, behind a `MetricsHTTPServer` on a free port of 127.0.0.1.
    final class Served: Sendable {
        let harness: ServiceHarness
        let server: MetricsHTTPServer
        let running: Task<Void, any Error>
        let port: Int

        init(statusMaxAge: Duration = .zero) async throws {
            harness = try ServiceHarness(pools: ["pool", "other pool"])
            let http = SchedulerHTTP(scheduler: harness.scheduler, statusMaxAge: statusMaxAge) {
                ("text/plain; version=0.0.4", Array("ocluster_test 1\n".utf8))
            }
            let server = MetricsHTTPServer(host: "127.0.0.1", port: 0) { method, path in
                let reply = await http.respond(method: method, path: path)
                return HTTPReply(
                    status: reply.status,
                    contentType: reply.contentType,
                    headers: reply.headers,
                    body: reply.body
                )
            }
            self.server = server
            running = Task { try await server.run() }
            try await waitUntil("the server is bound") { server.boundPort != nil }
            port = server.boundPort!
        }

        func get(_ path: String, method: String = "GET") async throws -> RawHTTP.Response {
            try await RawHTTP.request(port: port, method, path)
        }

        func close() async {
            server.shutdown()
            _ = await running.result
            await harness.close()
        }
    }

    @Test
    func pageIsSelfContainedAndAnswersHead() async throws {
        let served = try await Served()
        let page = try await served.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["cache-control"] == "no-store")
        #expect(page.text.contains("<title>OCluster status</title>"))
        #expect(page.text.contains(#"fetch("api/status""#))
        // No external assets: nothing is loaded from anywhere but the page itself and api/status.
        for reference in ["src=", "href=", "<link", "@import", "url(", "http://", "https://"] {
            #expect(!page.text.contains(reference), "the page refers to \(reference)")
        }
        #expect(page.headers["content-length"] == "\(page.body.count)")

        let head = try await served.get("/", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "\(page.body.count)")
        #expect(head.body.isEmpty)
        await served.close()
    }

    @Test
    func statusJSONMatchesTheSnapshot() async throws {
        let served = try await Served()
        // Kept: releasing its queue would disconnect it.
        let worker = try await SimulatedWorker.register(served.harness, name: "worker-1", capacity: 3)
        let response = try await served.get("/api/status?ignored=1")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let status = try JSONDecoder().decode(SchedulerStatus.self, from: Data(response.body))
        #expect(status.pools.map(\.name) == ["other pool", "pool"])
        #expect(status.pools[1].workers.map(\.name) == ["worker-1"])
        #expect(status.pools[1].workers[0].capacity == 3)
        #expect(status.pools[1].capacity == 3)
        // Nothing secret: no sturdy ref, no key material.
        #expect(!response.text.contains("capnp://"))

        let head = try await served.get("/api/status", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 0)

        let pool = try await served.get("/api/pools/other%20pool")
        #expect(pool.status == 200)
        let decoded = try JSONDecoder().decode(PoolStatus.self, from: Data(pool.body))
        #expect(decoded.name == "other pool")
        #expect(decoded.workers.isEmpty)
        withExtendedLifetime(worker) {}
        await served.close()
    }

    @Test
    func snapshotsAreReusedForTheirMaxAge() async throws {
        let served = try await Served(statusMaxAge: .seconds(600))
        let before = try JSONDecoder().decode(
            SchedulerStatus.self,
            from: Data(try await served.get("/api/status").body)
        )
        let worker = try await SimulatedWorker.register(served.harness, name: "worker-1")
        let after = try JSONDecoder().decode(SchedulerStatus.self, from: Data(try await served.get("/api/status").body))
        #expect(after == before)
        #expect(after.pools[1].workers.isEmpty)
        // The scheduler itself has it, and a server with no reuse shows it at once (the other tests).
        #expect(await served.harness.scheduler.statusSnapshot().pools[1].workers.map(\.name) == ["worker-1"])
        withExtendedLifetime(worker) {}
        await served.close()
    }

    @Test
    func unknownPathsAndMethods() async throws {
        let served = try await Served()
        let missingPool = try await served.get("/api/pools/nope")
        #expect(missingPool.status == 404)
        #expect(missingPool.headers["content-type"] == "application/json")
        #expect(missingPool.text == #"{"error":"No such pool"}"#)
        let missing = try await served.get("/api/nothing")
        #expect(missing.status == 404)
        #expect(missing.text == #"{"error":"Not found"}"#)

        for (method, path) in [("POST", "/"), ("DELETE", "/api/status"), ("PUT", "/api/pools/pool")] {
            let response = try await served.get(path, method: method)
            #expect(response.status == 405, "\(method) \(path)")
            #expect(response.headers["allow"] == "GET, HEAD")
        }

        // ocluster's own routes answer as ocluster's cohttp handler does: GET only, 400 otherwise.
        let metrics = try await served.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text == "ocluster_test 1\n")
        for (method, path) in [("POST", "/metrics"), ("GET", "/nothing"), ("GET", "/pool/nope/metrics")] {
            let response = try await served.get(path, method: method)
            #expect(response.status == 400, "\(method) \(path)")
            #expect(response.text == "Bad request")
        }
        let head = try await served.get("/metrics", method: "HEAD")
        #expect(head.status == 400)
        #expect(head.body.isEmpty)
        let noPool = try await served.get("/pool/nope/worker/w/metrics")
        #expect(noPool.status == 400)
        #expect(noPool.text == "No such pool")

        // A request that is not HTTP gets an error, and the server keeps serving.
        _ = try? await RawHTTP.exchange(port: served.port, "NOT HTTP AT ALL\r\n\r\n")
        #expect(try await served.get("/api/status").status == 200)
        await served.close()
    }

    @Test(arguments: [
        ("9090", "0.0.0.0", 9090),
        ("127.0.0.1:9090", "127.0.0.1", 9090),
        ("localhost:0", "localhost", 0),
        ("[::1]:8080", "::1", 8080),
    ])
    func listenAddressForms(_ argument: String, _ host: String, _ port: Int) throws {
        let address = try #require(HTTPListenAddress(argument: argument))
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: ["", "x", "127.0.0.1:", ":9090", "::1:8080", "127.0.0.1:70000", "-1", "[::1]", "1.2.3.4:9a"])
    func badListenAddresses(_ argument: String) {
        #expect(HTTPListenAddress(argument: argument) == nil)
    }
}
