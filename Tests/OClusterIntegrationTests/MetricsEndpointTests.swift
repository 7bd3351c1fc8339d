// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// The daemons' `/metrics` over real HTTP carry the metrics ocluster's do, under the same names
/// and types (capnp-rpc-net's and prometheus-app's), from start-up.
@Suite(.serialized) struct MetricsEndpointTests {
    @Test func schedulerAndWorkerMetricsCarryOClustersNamesAndTypes() async throws {
        let cluster = try ClusterHarness()
        let metricsPort = cluster.port + 1
        try await cluster.startScheduler(["--listen-prometheus", "\(metricsPort)"])
        let before = try httpGet(port: metricsPort, path: "/metrics")
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
        let after = try httpGet(port: metricsPort, path: "/metrics")
        // The worker's connection, and the admin calls that waited for it, went through the network.
        #expect(try #require(Self.value("capnp_net_messages_inbound_received_total", in: after)) > 0)
        #expect(try #require(Self.value("capnp_net_connections", in: after)) >= 1)
        let worker = try httpGet(port: metricsPort, path: "/pool/\(cluster.pool)/worker/worker-1/metrics")
        #expect(worker.contains("# TYPE capnp_net_connections gauge\n"), "\(worker)")
        #expect(worker.contains("# TYPE process_start_time_seconds counter\n"), "\(worker)")
    }

    /// The value of an unlabelled sample.
    static func value(_ name: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
    }
}

/// GET over a plain socket: the body of a 200 reply, else an error.
func httpGet(port: Int, path: String, timeout: Double = 30) throws -> String {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw ClusterHarness.Failure(description: "socket: errno \(errno)") }
    defer { close(descriptor) }
    var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw ClusterHarness.Failure(description: "connect to port \(port): errno \(errno)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var reply: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        reply += chunk[..<count]
    }
    let text = String(decoding: reply, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else {
        throw ClusterHarness.Failure(description: "GET \(path): \(text.prefix(200))")
    }
    return String(text[split.upperBound...])
}
