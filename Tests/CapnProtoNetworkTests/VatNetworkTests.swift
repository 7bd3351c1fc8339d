// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import TestSupport
import Testing

/// Real sockets on 127.0.0.1 (and a Unix socket): TLS pinned by key digest, plain mode, and
/// refusal of a wrong digest.
@Suite(.timeLimit(.minutes(1))) struct VatNetworkTests {
    static let serverKey = Result { try SecretKey.generate() }
    static let clientKey = Result { try SecretKey.generate() }

    /// Serves an echo vat on `address` while `body` runs: each frame is sent back with its
    /// value plus 1000; a frame of value 0 makes the server report the peer it saw.
    private func withEchoServer(
        address: VatAddress = .tcp(host: "127.0.0.1", port: 0),
        serveTLS: Bool = true,
        _ body: (VatListener) async throws -> Void
    ) async throws {
        let network = VatNetwork()
        let key = try Self.serverKey.get()
        let listener = try await network.listen(address: address, secretKey: key, serveTLS: serveTLS)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await listener.run { transport in
                    for try await message in transport.incoming {
                        let value = try value(of: message)
                        if value == 0 {
                            let peer: UInt64 =
                                switch transport.peer {
                                case .insecure: 1
                                case .sha256(let digest): digest == (try Self.clientKey.get()).publicKeyDigest ? 2 : 3
                                }
                            try transport.send(frame: frame(peer))
                        } else {
                            try transport.send(frame: frame(value + 1000))
                        }
                    }
                }
            }
            try await body(listener)
            await listener.close()
        }
    }

    private func exchange(_ transport: some RPCTransport, values: [UInt64]) async throws -> [UInt64] {
        for value in values { try transport.send(frame: frame(value)) }
        var received: [UInt64] = []
        for try await message in transport.incoming {
            received.append(try value(of: message))
            if received.count == values.count { break }
        }
        return received
    }

    @Test func tlsWithTheRightDigestExchangesFrames() async throws {
        try await withEchoServer { listener in
            let port = try #require(listener.port)
            #expect(port != 0)
            let ref = listener.sturdyRef(for: ServiceID(public: "main"))
            #expect(
                ref.uri.hasPrefix(
                    "capnp://sha-256:\(try Self.serverKey.get().publicKeyDigest.base64URL)@127.0.0.1:\(port)/"
                )
            )
            let network = VatNetwork(clientKey: try Self.clientKey.get())
            let (received, serviceID) = try await network.connect(to: ref) { transport, serviceID in
                #expect(transport.peer == .sha256(try Self.serverKey.get().publicKeyDigest))
                return (try await exchange(transport, values: [1, 2, 3, 0]), serviceID)
            }
            #expect(received == [1001, 1002, 1003, 2])  // 2: the server saw the client's key
            #expect(serviceID == ServiceID(public: "main"))
        }
    }

    @Test func ephemeralClientKeyWorks() async throws {
        try await withEchoServer { listener in
            let network = VatNetwork()
            let received = try await network.connect(to: listener.sturdyRef(for: .empty)) { transport, _ in
                try await exchange(transport, values: [7, 0])
            }
            #expect(received == [1007, 3])  // 3: a key other than the shared client key
        }
    }

    @Test func wrongDigestIsRefused() async throws {
        try await withEchoServer { listener in
            let other = try SecretKey.generate().publicKeyDigest
            var ref = listener.sturdyRef(for: .empty)
            ref.authentication = .sha256(other)
            let error = await #expect(throws: NetworkError.self) {
                try await VatNetwork().connect(to: ref) { _, _ in Issue.record("connected to the wrong vat") }
            }
            #expect(error?.code == .peerKeyMismatch)
            #expect(error?.message.contains(other.base64URL) == true)
            #expect(error?.message.contains(try Self.serverKey.get().publicKeyDigest.base64URL) == true)
        }
    }

    @Test func insecureModeWorks() async throws {
        try await withEchoServer(serveTLS: false) { listener in
            let ref = listener.sturdyRef(for: ServiceID(public: "main"))
            #expect(ref.uri.hasPrefix("capnp://insecure@127.0.0.1:"))
            let received = try await VatNetwork().connect(to: ref) { transport, _ in
                #expect(transport.peer == .insecure)
                return try await exchange(transport, values: [5, 0])
            }
            #expect(received == [1005, 1])
        }
    }

    @Test func tlsClientCannotTalkToAPlainServer() async throws {
        try await withEchoServer(serveTLS: false) { listener in
            var ref = listener.sturdyRef(for: .empty)
            ref.authentication = .sha256(try Self.serverKey.get().publicKeyDigest)
            await #expect(throws: NetworkError.self) {
                try await VatNetwork().connect(to: ref) { transport, _ in
                    _ = try await exchange(transport, values: [1])
                }
            }
        }
    }

    @Test func unixSocketWithTLS() async throws {
        try await withTemporaryDirectory { directory in
            try await withEchoServer(address: .unix(path: directory + "/vat.sock")) { listener in
                let ref = listener.sturdyRef(for: ServiceID(public: "main"))
                #expect(ref.uri.hasSuffix("@\(directory)/vat.sock/bWFpbg"))
                let parsed = try SturdyRef(parsing: ref.uri)
                let received = try await VatNetwork().connect(to: parsed) { transport, _ in
                    try await exchange(transport, values: [8])
                }
                #expect(received == [1008])
            }
        }
    }

    @Test func connectionRefusedIsAClearError() async throws {
        let ref = try SturdyRef(parsing: "capnp://insecure@127.0.0.1:1/")
        let error = await #expect(throws: NetworkError.self) {
            try await VatNetwork().connect(to: ref) { _, _ in }
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("tcp:127.0.0.1:1") == true)
    }

    @Test func sendAfterCloseFailsAndIncomingEnds() async throws {
        try await withEchoServer(serveTLS: false) { listener in
            try await VatNetwork().connect(to: listener.sturdyRef(for: .empty)) { transport, _ in
                await transport.close()
                #expect(throws: NetworkError(.connectionClosed, "")) {
                    try transport.send(frame: frame(1))
                }
                var count = 0
                for try await _ in transport.incoming { count += 1 }
                #expect(count == 0)
            }
        }
    }
}
