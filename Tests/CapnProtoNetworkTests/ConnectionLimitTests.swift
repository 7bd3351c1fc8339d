// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import Foundation
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The limits that keep a peer who has not proved anything from exhausting a vat: read timeouts,
/// the connection limit and its reserve, with an Abort saying why to every peer dropped.
@Suite(.timeLimit(.minutes(1))) struct ConnectionLimitTests {
    static let logger = Logger(label: "limit-tests") { _ in SwiftLogNoOpLogHandler() }

    static func vat(_ limits: ConnectionLimits) throws -> Vat {
        let key = try VatTests.serverKey.get()
        return Vat(
            secretKey: key,
            listenAddress: .tcp(host: "127.0.0.1", port: 0),
            serveTLS: false,
            network: VatNetwork(clientKey: key, limits: limits, logger: logger),
            logger: logger
        )
    }

    @Test func aConnectionThatNeverBootstrapsIsAbortedAndClosed() async throws {
        let vat = try Self.vat(ConnectionLimits(bootstrapTimeout: .milliseconds(300)))
        try await withServing(vat) {
            let socket = try RawSocket(port: try #require(vat.port))
            // The reason shows the timeout closed it (a loaded machine may take seconds to run the timer).
            let reply = try await socket.readUntilClosed(seconds: 40)
            #expect(try abortReason(in: reply)?.contains("no Bootstrap within 300 ms") == true)
        }
    }

    @Test func aFrameThatNeverFinishesIsAbortedAndClosed() async throws {
        let vat = try Self.vat(ConnectionLimits(bootstrapTimeout: nil, frameTimeout: .milliseconds(300)))
        try await withServing(vat) {
            let socket = try RawSocket(port: try #require(vat.port))
            // One segment of 1 Mi words declared; only the table is sent.
            try socket.send([0, 0, 0, 0, 0, 0, 0x10, 0])
            let reply = try await socket.readUntilClosed(seconds: 40)
            #expect(try abortReason(in: reply)?.contains("a frame took longer than 300 ms") == true)
        }
    }

    @Test func theReserveIsKeptForReservedServicesAndTheLimitRefusesTheRest() async throws {
        let vat = try Self.vat(ConnectionLimits(bootstrapTimeout: nil, maxConnections: 3, reservedConnections: 1))
        try await withServing(vat) {
            let open = try vat.add(service: TestServiceServer.make().1, name: "open")
            let admin = try vat.add(service: TestServiceServer.make().1, name: "admin")
            vat.setReservedServices([admin.serviceID])
            let port = try #require(vat.port)
            // Two silent peers take every unreserved connection.
            let silent = [try RawSocket(port: port), try RawSocket(port: port)]
            #expect(await eventually { vat.openConnectionCount == 2 })

            let stranger = Vat(logger: Self.logger)
            let refused = TestService.Client(try await stranger.connect(open))
            let error = await #expect(throws: RPCError.self) { try await refused.echo(text: "no") }
            #expect(error?.reason.contains("too many connections") == true, "\(String(describing: error))")
            await stranger.shutdown()
            #expect(await eventually { vat.openConnectionCount == 2 })

            let operator_ = Vat(logger: Self.logger)
            let service = TestService.Client(try await operator_.connect(admin))
            #expect(try await service.echo(text: "in").results.text == "in")

            // Now at the limit: a new connection gets an Abort and is closed at once.
            let extra = try RawSocket(port: port)
            let reply = try await extra.readUntilClosed(seconds: 40)
            #expect(try abortReason(in: reply)?.contains("too many connections (3 open, limit 3)") == true)
            await operator_.shutdown()
            _ = silent
        }
    }
}

/// The reason of the Abort that `bytes` (a peer's whole output) holds, if any.
func abortReason(in bytes: [UInt8]) throws -> String? {
    var rest = bytes[...]
    while !rest.isEmpty {
        let decoded = try Array(rest).withUnsafeBytes { try Framing.decodePrefix($0, options: .default) }
        guard let (reader, length) = decoded else { return nil }
        if case .abort(let exception) = try reader.root(as: Message.Reader.self).which {
            return try exception.reason
        }
        rest = rest.dropFirst(length)
    }
    return nil
}

/// A plain TCP client that sends what a test says, byte for byte.
final class RawSocket: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RPCError(.failed, "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw RPCError(.failed, "connect: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw RPCError(.failed, "send: errno \(errno)") }
    }

    /// Everything the peer sends until it closes, polling without blocking a thread.
    func readUntilClosed(seconds: Double) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = chunk.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            if count == 0 { return received }
            if count > 0 {
                received += chunk[..<count]
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return received }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RPCError(.failed, "the peer did not close the connection within \(seconds) s")
    }
}
