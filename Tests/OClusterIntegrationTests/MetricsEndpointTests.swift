// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

/// The daemons' `/metrics` over real HTTP carry the metrics ocluster's do, under the same names
/// and types (capnp-rpc-net's and prometheus-app's), from start-up.
@Suite(.serialized) struct MetricsEndpointTests {
    @Test func schedulerAndWorkerMetricsCarryOClustersNamesAndTypes() async throws {
        let cluster = try await ClusterHarness()
        let metricsPort = cluster.port + 1
        try await cluster.startScheduler(["--listen-prometheus", "\(metricsPort)"])
        let before = try await RawHTTP.get(port: metricsPort, "/metrics")
        for line in [
            "# TYPE capnp_net_connections gauge",
            "# TYPE capnp_net_messages_inbound_received_total counter",
            "# TYPE capnp_net_messages_outbound_enqueued_total counter",
            "# TYPE process_start_time_seconds counter",
            "# TYPE process_cpu_seconds_total counter",
            "# TYPE process_resident_memory_bytes gauge",
            "# TYPE process_open_fds gauge",
        ] {
            #expect(before.contains(line + "\n"), "\(line) missing from:\n\(before)")
        }
        let start = try #require(Self.value("process_start_time_seconds", in: before))
        #expect(abs(start - Date().timeIntervalSince1970) < 300)
        #expect(try #require(Self.value("process_open_fds", in: before)) > 3)
        #expect(try #require(Self.value("process_resident_memory_bytes", in: before)) > 1_000_000)

        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let after = try await RawHTTP.get(port: metricsPort, "/metrics")
        // The worker's connection, and the admin calls that waited for it, went through the network.
        #expect(try #require(Self.value("capnp_net_messages_inbound_received_total", in: after)) > 0)
        #expect(try #require(Self.value("capnp_net_connections", in: after)) >= 1)
        let worker = try await RawHTTP.get(port: metricsPort, "/pool/\(cluster.pool)/worker/worker-1/metrics")
        #expect(worker.contains("# TYPE capnp_net_connections gauge\n"), "\(worker)")
        #expect(worker.contains("# TYPE process_start_time_seconds counter\n"), "\(worker)")
    }

    /// The value of an unlabelled sample.
    static func value(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
    }
}
