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

/// ``Vat`` end to end over real sockets on 127.0.0.1: TLS pinned by digest (or insecure),
/// `.cap` files, service IDs restored by the RPC engine.
@Suite(.timeLimit(.minutes(1))) struct VatTests {
    static let serverKey = Result { try SecretKey.generate() }
    static let otherKey = Result { try SecretKey.generate() }
    static let logger = Logger(label: "vat-tests") { _ in SwiftLogNoOpLogHandler() }

    static func serverVat(key: SecretKey? = nil, port: Int = 0, serveTLS: Bool = true) throws -> Vat {
        Vat(
            secretKey: try key ?? serverKey.get(),
            listenAddress: .tcp(host: "127.0.0.1", port: port),
            serveTLS: serveTLS,
            logger: logger
        )
    }

    @Test func aClientWithTheRightCapFileCallsTheService() async throws {
        let vat = try Self.serverVat()
        try await withServing(vat) {
            try await withTemporaryDirectory { directory in
                let ref = try vat.add(service: TestServiceServer.make().1, name: "test")
                #expect(ref.uri.hasPrefix("capnp://sha-256:\(try Self.serverKey.get().publicKeyDigest.base64URL)@"))
                try CapFile.save(ref, to: directory + "/test.cap")

                let client = Vat(logger: Self.logger)
                let service = TestService.Client(try await client.connect(capFile: directory + "/test.cap"))
                #expect(try await service.echo(text: "hello").results.text == "hello")
                #expect(try await service.add(a: 2, b: 40).results.sum == 42)
                await client.shutdown()
            }
        }
    }

    @Test func anUnknownServiceIDIsRefused() async throws {
        let vat = try Self.serverVat()
        try await withServing(vat) {
            try vat.add(service: TestServiceServer.make().1, name: "test")
            let client = Vat(logger: Self.logger)
            let wrong = try vat.sturdyRef(for: vat.derivedServiceID("other"))
            let service = TestService.Client(try await client.connect(wrong))
            let error = try await #require(throws: RPCError.self) { try await service.echo(text: "hello") }
            #expect(error.kind == .failed)
            #expect(error.reason == "Unknown persistent service ID")
            await client.shutdown()
        }
    }

    @Test func aCapWithAnotherDigestMakesTheClientRefuseTheServer() async throws {
        let vat = try Self.serverVat()
        try await withServing(vat) {
            var ref = try vat.add(service: TestServiceServer.make().1, name: "test")
            let expected = try Self.otherKey.get().publicKeyDigest
            ref.authentication = .sha256(expected)
            let client = Vat(logger: Self.logger)
            let error = try await #require(throws: NetworkError.self) { try await client.connect(ref) }
            #expect(error.code == .peerKeyMismatch)
            #expect(error.message.contains(expected.base64URL))
            #expect(error.message.contains(try Self.serverKey.get().publicKeyDigest.base64URL))
            await client.shutdown()
        }
    }

    @Test func badKeyFilesGiveClearErrors() async throws {
        try await withTemporaryDirectory { directory in
            let cases: [(content: String, code: NetworkError.Code, mentions: String)] = [
                ("this is not a key\n", .invalidSecretKey, "no PEM block"),
                (
                    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", .invalidSecretKey,
                    "failed to parse secret key"
                ),
                (
                    // An (expired) certificate where the key should be.
                    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n",
                    .unsupportedSecretKey, "CERTIFICATE"
                ),
            ]
            for (index, bad) in cases.enumerated() {
                let path = "\(directory)/key\(index).pem"
                try FileHelpers.write(bad.content, to: path)
                let error = try #require(throws: NetworkError.self) {
                    try SecretKey.loadOrGenerate(path: path, logger: Self.logger)
                }
                #expect(error.code == bad.code)
                #expect(error.message.contains(path))
                #expect(error.message.contains(bad.mentions))
            }
        }
    }

    @Test func twoServicesOnOneListenerAreIsolated() async throws {
        let vat = try Self.serverVat()
        try await withServing(vat) {
            let refA = try vat.add(service: TestServiceServer.make().1, name: "a")
            let refB = try vat.add(service: Capability(CounterServer(start: 100, live: LiveCount())), name: "b")
            #expect(refA.serviceID != refB.serviceID)
            let client = Vat(logger: Self.logger)
            let capA = try await client.connect(refA)
            let capB = try await client.connect(refB)
            #expect(try await TestService.Client(capA).echo(text: "a").results.text == "a")
            #expect(try await Counter.Client(capB).increment(by: 1).results.value == 101)
            await #expect(throws: RPCError.self) { try await Counter.Client(capA).increment(by: 1) }
            await #expect(throws: RPCError.self) { try await TestService.Client(capB).echo(text: "b") }
            #expect(try await Counter.Client(capB).increment(by: 1).results.value == 102)
            // Both refs name the same vat key, so they share one TLS connection.
            #expect(client.openConnectionCount == 1)
            await client.shutdown()
        }
    }

    @Test func insecureModeWorksEndToEnd() async throws {
        let vat = try Self.serverVat(serveTLS: false)
        try await withServing(vat) {
            let ref = try vat.add(service: TestServiceServer.make().1, name: "test")
            #expect(ref.uri.hasPrefix("capnp://insecure@127.0.0.1:"))
            let client = Vat(logger: Self.logger)
            let first = TestService.Client(try await client.connect(SturdyRef(parsing: ref.uri)))
            let second = TestService.Client(try await client.connect(ref))
            #expect(try await first.echo(text: "one").results.text == "one")
            #expect(try await second.echo(text: "two").results.text == "two")
            // Insecure connections are never shared.
            #expect(client.openConnectionCount == 2)
            await client.disconnect(from: ref)
            #expect(client.openConnectionCount == 0)
            await #expect(throws: RPCError.self) { try await first.echo(text: "gone") }
            await client.shutdown()
        }
    }

    @Test func aRestartedServerWithTheSameKeyFileServesTheOldCapFile() async throws {
        try await withTemporaryDirectory { directory in
            let keyPath = directory + "/key.pem"
            let capPath = directory + "/admin.cap"
            let first = try Self.serverVat(key: SecretKey.loadOrGenerate(path: keyPath, logger: Self.logger))
            let port = try await withServing(first) {
                try CapFile.save(try first.add(service: TestServiceServer.make().1, name: "admin"), to: capPath)
                return try #require(first.port)
            }
            let second = try await restartedVat(
                key: SecretKey.loadOrGenerate(path: keyPath, logger: Self.logger),
                port: port
            )
            try await withServing(second, started: true) {
                let ref = try second.add(service: TestServiceServer.make().1, name: "admin")
                #expect(try CapFile.load(from: capPath) == ref)
                let client = Vat(logger: Self.logger)
                let admin = TestService.Client(try await client.connect(capFile: capPath))
                #expect(try await admin.echo(text: "again").results.text == "again")
                await client.shutdown()
            }
        }
    }

    @Test func aSturdyRefToTheVatItselfIsRestoredLocally() async throws {
        let vat = try Self.serverVat()
        try await withServing(vat) {
            let ref = try vat.add(service: TestServiceServer.make().1, name: "self")
            let service = TestService.Client(try await vat.connect(ref))
            #expect(service.capability.localServer != nil)
            #expect(try await service.echo(text: "me").results.text == "me")
            let unknown = try await vat.connect(vat.sturdyRef(for: .random()))
            await #expect(throws: RPCError.self) { try await TestService.Client(unknown).echo(text: "x") }
        }
    }

    @Test func shutdownEndsRunAndBreaksClientCapabilities() async throws {
        let vat = try Self.serverVat()
        try await vat.start()
        let ref = try vat.add(service: TestServiceServer.make().1, name: "test")
        let running = Task { try await vat.run() }
        let client = Vat(logger: Self.logger)
        let service = TestService.Client(try await client.connect(ref))
        #expect(try await service.echo(text: "up").results.text == "up")
        #expect(vat.openConnectionCount == 1)
        await vat.shutdown()
        try await running.value
        let error = try await #require(throws: RPCError.self) { try await service.echo(text: "down") }
        #expect(error.kind == .disconnected)
        await #expect(throws: NetworkError.self) { try await vat.start() }
        await client.shutdown()
    }

    @Test func aClientOnlyVatHasNoSturdyRefs() async throws {
        let client = Vat(logger: Self.logger)
        #expect(throws: NetworkError.self) { try client.sturdyRef(for: .random()) }
        await #expect(throws: NetworkError.self) { try await client.start() }
    }
}

enum FileHelpers {
    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
