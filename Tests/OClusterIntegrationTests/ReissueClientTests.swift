// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

extension EndToEndTests {
    /// A scheduler restarted on another port: the client's old capability names the old address,
    /// and `ocluster-admin reissue-client` gives one that works.
    @Suite struct ReissueClientTests {
        @Test func aClientCapIsReissuedForTheSchedulersNewAddress() async throws {
            let cluster = try await ClusterHarness()
            try await cluster.startScheduler()
            let capPath = cluster.path("secrets/submit-tester.cap")
            let old = try String(contentsOfFile: capPath, encoding: .utf8)
            #expect(old.contains("@127.0.0.1:\(cluster.port)/"))
            cluster.stop("scheduler")

            // The scheduler writes admin.cap and the pool caps afresh; the client's cap stays.
            for file in ["admin.cap", "pool-\(cluster.pool).cap"] {
                try FileManager.default.removeItem(atPath: cluster.path("secrets/\(file)"))
            }
            let newPort = cluster.port + 1
            try await cluster.startScheduler(port: newPort)
            let admin = try String(contentsOfFile: cluster.path("secrets/admin.cap"), encoding: .utf8)
            #expect(admin.contains("@127.0.0.1:\(newPort)/"))
            #expect(try String(contentsOfFile: capPath, encoding: .utf8) == old)
            try cluster.startWorker("worker-1")
            try await cluster.waitForWorker("worker-1")

            let stale = try await cluster.submit(spec: EndToEndTests.echo)
            #expect(stale.status != 0)
            #expect(stale.output.contains("Connecting to tcp:127.0.0.1:\(cluster.port)... ERROR"), "\(stale.output)")

            let reissued = try await cluster.admin(["reissue-client", "tester"])
            #expect(reissued.status == 0, "\(reissued.output)")
            let lines = reissued.output.split(separator: "\n")
            let uri = try #require(lines.first { $0.hasPrefix("capnp://") })
            #expect(uri.contains("@127.0.0.1:\(newPort)/"))
            #expect(lines.count == 2, "\(reissued.output)")
            try (uri + "\n").write(toFile: capPath, atomically: true, encoding: .utf8)
            let fresh = try await cluster.submit(spec: EndToEndTests.echo)
            #expect(fresh.status == 0, "\(fresh.output)")
            #expect(fresh.output.contains("hello-e2e"))
            #expect(try await cluster.admin(["list-clients"]).output.contains("tester"))

            let unknown = try await cluster.admin(["reissue-client", "nobody"])
            #expect(unknown.status == 1)
            #expect(
                unknown.output.hasSuffix("Admin.removeClient: Failed: Unknown client \"nobody\"\n"),
                "\(unknown.output)"
            )
            let usage = try await cluster.admin(["reissue-client"])
            #expect(usage.status == 124)
            #expect(usage.output.hasPrefix("ocluster-admin reissue-client: required argument ID is missing\n"))
        }
    }
}
