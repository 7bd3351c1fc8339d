// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Benchmarks the vat network over loopback (127.0.0.1), through the public `Vat` API:
//
// - connections/s: connect + bootstrap + one `add` call + close, one after another, over TLS
//   (a full TLS 1.3 handshake with client certificate, RSA-2048 keys) and over plain TCP;
// - calls/s on one connection, TLS vs plain TCP: sequential `add` round trips, 32 `add` calls
//   in flight at a time, and sequential 16 KiB `echo` round trips.
//
//   capnp-net-bench [--seconds S]     (S: time per measurement, default 2)
//
// Build in release mode: scripts/net-bench.sh.

import AsyncBlocks
import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import Foundation
import Logging

let seconds = parseSeconds(CommandLine.arguments)
let quiet = Logger(label: "capnp-net-bench") { _ in SwiftLogNoOpLogHandler() }

/// `--seconds S` from the command line, or 2.
func parseSeconds(_ arguments: [String]) -> Double {
    guard let index = arguments.firstIndex(of: "--seconds") else { return 2 }
    guard index + 1 < arguments.count, let value = Double(arguments[index + 1]), value > 0 else {
        print("usage: capnp-net-bench [--seconds S]")
        exit(2)
    }
    return value
}

/// Runs `operation` repeatedly for about `seconds` (after a short warm-up) and returns
/// operations per second. `operation` returns how many operations it did.
func measure(_ operation: () async throws -> Int) async throws -> Double {
    let clock = ContinuousClock()
    let warmUp = clock.now.advanced(by: .milliseconds(Int(seconds * 100)))
    while clock.now < warmUp { _ = try await operation() }
    let start = clock.now
    let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
    var count = 0
    while clock.now < deadline { count += try await operation() }
    let elapsed = start.duration(to: clock.now)
    return Double(count) / elapsed.seconds
}

/// A failed check of a result; the benchmark stops.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// One `add` call, checked.
func addOnce(_ service: TestService.Client) async throws {
    let sum = try await service.add(a: 20, b: 22).results.sum
    guard sum == 42 else { throw BenchFailure(description: "add returned \(sum)") }
}

/// Sequential connections to `ref`: each dials, bootstraps, calls `add` once and closes.
func connectionsPerSecond(_ client: Vat, _ ref: SturdyRef) async throws -> Double {
    try await measure {
        try await addOnce(TestService.Client(client.connect(ref)))
        await client.disconnect(from: ref)
        return 1
    }
}

/// Calls per second on one connection to `ref`, for the three call patterns.
func callsPerSecond(
    _ client: Vat,
    _ ref: SturdyRef
) async throws -> (sequential: Double, inFlight: Double, echo: Double) {
    let service = TestService.Client(try await client.connect(ref))
    try await addOnce(service)
    let sequential = try await measure {
        try await addOnce(service)
        return 1
    }
    let depth = 32
    let inFlight = try await measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<depth { group.addTask { try await addOnce(service) } }
            try await group.waitForAll()
        }
        return depth
    }
    let text = String(repeating: "0123456789abcdef", count: 1024)
    let echo = try await measure {
        let reply = try await service.echo(text: text).results.text
        guard reply.utf8.count == text.utf8.count else {
            throw BenchFailure(description: "echo returned \(reply.utf8.count) bytes")
        }
        return 1
    }
    await client.disconnect(from: ref)
    return (sequential, inFlight, echo)
}

/// A vat serving a TestService on 127.0.0.1, with TLS or without; returns its sturdy ref.
func startServer(key: SecretKey, serveTLS: Bool) async throws -> (Vat, SturdyRef, Task<Void, any Error>) {
    let vat = Vat(
        secretKey: key,
        listenAddress: .tcp(host: "127.0.0.1", port: 0),
        serveTLS: serveTLS,
        logger: quiet
    )
    try await vat.start()
    let ref = try vat.add(service: TestServiceServer.make().1, name: "bench")
    return (vat, ref, Task { try await vat.run() })
}

func format(_ rate: Double) -> String {
    let rounded = Int(rate.rounded())
    var digits = String(rounded)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits = String(digits.dropLast(3))
    }
    return (digits + grouped).leftPadded(to: 12)
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

func row(_ name: String, _ tls: Double, _ plain: Double) {
    let ratio = String(Int((tls / plain * 100).rounded())) + "%"
    print("\(name.rightPadded(to: 44)) \(format(tls)) \(format(plain)) \(ratio.leftPadded(to: 10))")
}

do {
    let serverKey = try SecretKey.generate()
    let clientKey = try SecretKey.generate()
    let (tlsServer, tlsRef, tlsTask) = try await startServer(key: serverKey, serveTLS: true)
    let (plainServer, plainRef, plainTask) = try await startServer(key: serverKey, serveTLS: false)
    let client = Vat(clientKey: clientKey, logger: quiet)

    print("capnp-net-bench: loopback 127.0.0.1, \(seconds) s per measurement, RSA-2048 vat keys")
    print("TLS ref:   \(tlsRef.uri)")
    print("plain ref: \(plainRef.uri)")
    print(
        "\("measurement (per second)".rightPadded(to: 44)) \("TLS".leftPadded(to: 12)) "
            + "\("plain TCP".leftPadded(to: 12)) \("TLS/plain".leftPadded(to: 10))"
    )
    let tlsConnections = try await connectionsPerSecond(client, tlsRef)
    let plainConnections = try await connectionsPerSecond(client, plainRef)
    row("connect+bootstrap+call+close, sequential", tlsConnections, plainConnections)
    let tlsCalls = try await callsPerSecond(client, tlsRef)
    let plainCalls = try await callsPerSecond(client, plainRef)
    row("add calls, sequential, one connection", tlsCalls.sequential, plainCalls.sequential)
    row("add calls, 32 in flight, one connection", tlsCalls.inFlight, plainCalls.inFlight)
    row("16 KiB echo calls, sequential, one connection", tlsCalls.echo, plainCalls.echo)

    await client.shutdown()
    await tlsServer.shutdown()
    await plainServer.shutdown()
    try await tlsTask.value
    try await plainTask.value
} catch {
    print("capnp-net-bench: \(error)")
    exit(1)
}
