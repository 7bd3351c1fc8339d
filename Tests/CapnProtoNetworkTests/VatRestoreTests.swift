// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import Foundation
import TestSupport
import Testing

/// ``Vat`` restorer and connection-sharing details: fallback restorers, removal, concurrent
/// dials sharing one attempt, reconnecting after the server goes away, Unix sockets.
@Suite(.timeLimit(.minutes(1))) struct VatRestoreTests {
    @Test func theFallbackRestorerServesIDsNotInTheTable() async throws {
        let vat = try VatTests.serverVat()
        try await withServing(vat) {
            let submission = ServiceID.random()
            let known = submission.digest
            vat.setFallbackRestorer { id in
                // As ocluster does with SQLite: look the ID up by its SHA-256 only.
                id.digest == known ? TestServiceServer.make().1 : nil
            }
            let client = Vat(logger: VatTests.logger)
            let good = TestService.Client(try await client.connect(vat.sturdyRef(for: submission)))
            #expect(try await good.echo(text: "sub").results.text == "sub")
            let bad = TestService.Client(try await client.connect(vat.sturdyRef(for: .random())))
            let error = try await #require(throws: RPCError.self) { try await bad.echo(text: "x") }
            #expect(error.reason == "Unknown persistent service ID")
            await client.shutdown()
        }
    }

    @Test func aRemovedServiceIsNoLongerRestored() async throws {
        let vat = try VatTests.serverVat()
        try await withServing(vat) {
            let ref = try vat.add(service: TestServiceServer.make().1, name: "gone")
            let client = Vat(logger: VatTests.logger)
            let before = TestService.Client(try await client.connect(ref))
            #expect(try await before.echo(text: "1").results.text == "1")
            vat.remove(id: ref.serviceID)
            let after = TestService.Client(try await client.connect(ref))
            let error = try await #require(throws: RPCError.self) { try await after.echo(text: "2") }
            #expect(error.reason == "Unknown persistent service ID")
            // The capability restored earlier still works.
            #expect(try await before.echo(text: "3").results.text == "3")
            await client.shutdown()
        }
    }

    @Test func concurrentDialsToOneVatShareOneConnection() async throws {
        let vat = try VatTests.serverVat()
        try await withServing(vat) {
            let ref = try vat.add(service: TestServiceServer.make().1, name: "shared")
            let client = Vat(logger: VatTests.logger)
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let service = TestService.Client(try await client.connect(ref))
                        return try await service.echo(text: "\(index)").results.text
                    }
                }
                var replies: Set<String> = []
                for try await reply in group { replies.insert(reply) }
                #expect(replies == Set((0..<8).map { "\($0)" }))
            }
            #expect(client.openConnectionCount == 1)
            #expect(vat.openConnectionCount == 1)
            await client.shutdown()
        }
    }

    @Test func aClientReconnectsAfterTheSharedConnectionBreaks() async throws {
        try await withTemporaryDirectory { directory in
            let key = try SecretKey.loadOrGenerate(path: directory + "/key.pem", logger: VatTests.logger)
            let client = Vat(logger: VatTests.logger)
            let first = try VatTests.serverVat(key: key)
            let (ref, old) = try await withServing(first) {
                let ref = try first.add(service: TestServiceServer.make().1, name: "admin")
                let service = TestService.Client(try await client.connect(ref))
                #expect(try await service.echo(text: "before").results.text == "before")
                return (ref, service)
            }
            let error = try await #require(throws: RPCError.self) { try await old.echo(text: "lost") }
            #expect(error.kind == .disconnected)
            let port = try #require(first.port)
            let second = try await restartedVat(key: key, port: port)
            try await withServing(second, started: true) {
                try second.add(service: TestServiceServer.make().1, name: "admin")
                // The broken connection is forgotten once it ends; a new connect dials again.
                #expect(await eventually { client.openConnectionCount == 0 })
                let service = TestService.Client(try await client.connect(ref))
                #expect(try await service.echo(text: "after").results.text == "after")
            }
            await client.shutdown()
        }
    }

    @Test func tlsOverAUnixSocket() async throws {
        try await withTemporaryDirectory { directory in
            let vat = Vat(
                secretKey: try VatTests.serverKey.get(),
                listenAddress: .unix(path: directory + "/vat.sock"),
                logger: VatTests.logger
            )
            try await withServing(vat) {
                let ref = try vat.add(service: TestServiceServer.make().1, name: "unix")
                #expect(ref.uri.hasPrefix("capnp://sha-256:"))
                #expect(ref.uri.contains("@\(directory)/vat.sock/"))
                let client = Vat(logger: VatTests.logger)
                let service = TestService.Client(try await client.connect(SturdyRef(parsing: ref.uri)))
                #expect(try await service.echo(text: "unix").results.text == "unix")
                await client.shutdown()
            }
        }
    }

    @Test func thePublicAddressGoesIntoSturdyRefs() async throws {
        let vat = Vat(
            secretKey: try VatTests.serverKey.get(),
            listenAddress: .tcp(host: "127.0.0.1", port: 0),
            publicAddress: .tcp(host: "localhost", port: 0),
            logger: VatTests.logger
        )
        #expect(throws: NetworkError.self) { try vat.sturdyRef(for: .random()) }
        try await withServing(vat) {
            let port = try #require(vat.port)
            let ref = try vat.add(service: TestServiceServer.make().1, name: "public")
            #expect(ref.address == .tcp(host: "localhost", port: port))
            let client = Vat(logger: VatTests.logger)
            let service = TestService.Client(try await client.connect(ref))
            #expect(try await service.echo(text: "public").results.text == "public")
            await client.shutdown()
        }
    }
}

/// Starts `vat`, runs `body`, then shuts the vat down and waits for `run()` to return.
func withServing<R: Sendable>(_ vat: Vat, started: Bool = false, _ body: () async throws -> R) async throws -> R {
    if !started { try await vat.start() }
    let running = Task { try await vat.run() }
    let result: Result<R, any Error>
    do {
        result = .success(try await body())
    } catch {
        result = .failure(error)
    }
    await vat.shutdown()
    try await running.value
    return try result.get()
}

/// A vat listening on `port` again after another closed it. Until it is bound, any connection made meanwhile
/// (by a test running in parallel) may have been given the port as its local one, so binding is retried.
func restartedVat(key: SecretKey, port: Int) async throws -> Vat {
    var attempt = 0
    while true {
        let vat = try VatTests.serverVat(key: key, port: port)
        do {
            try await vat.start()
            return vat
        } catch let error as NetworkError where error.code == .connectionFailed && attempt < 50 {
            attempt += 1
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
