// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import NIOPosix
import TestSupport
import Testing

/// The Swift RPC engine against the reference C++ implementation (libcapnp's RpcSystem in
/// `Tests/Interop/rpc-peer.cpp`), over plain TCP on 127.0.0.1 — the insecure mode of the vat
/// network, which is what the C++ peer's two-party connection speaks. The peer is built by
/// `scripts/build-interop.sh` when missing; if it cannot be built these tests fail.
@Suite(.timeLimit(.minutes(2))) struct RPCInteropTests {
    static let serverKey = Result { try SecretKey.generate() }

    /// Where the Swift client's engine and calls run: on the cooperative pool (the default), or all on the
    /// connection's event loop (``NIORPCTransport/onEventLoop(_:)``, as a C++ client does).
    enum ClientMode: String, CaseIterable, Sendable {
        case pool
        case eventLoop
    }

    /// Runs `body` with a Swift client connected to a fresh `rpc-peer serve`.
    private func withCppServer<R: Sendable>(
        _ mode: ClientMode,
        _ body: (TestService.Client, RPCConnection, CppPeer.Server) async throws -> R
    ) async throws -> R {
        let server = try await CppPeer.Server()
        defer { server.stop() }
        let ref = SturdyRef(
            address: .tcp(host: "127.0.0.1", port: server.port),
            authentication: .insecure,
            serviceID: .empty
        )
        return try await VatNetwork().connect(to: ref) { transport, serviceID in
            func run(_ transport: NIORPCTransport) async throws -> R {
                let connection = RPCConnection(transport: transport)
                await connection.start()
                let service = TestService.Client(await connection.bootstrap(serviceId: serviceID.bytes))
                let result = try await body(service, connection, server)
                await connection.close()
                return result
            }
            switch mode {
            case .pool: return try await run(transport)
            case .eventLoop:
                return try await transport.onEventLoop { transport in
                    try #require(transport.executor != nil, "the engine is not on the event loop")
                    let result = try await run(transport)
                    // The replies resumed this task on the loop, not on the cooperative pool.
                    #expect(MultiThreadedEventLoopGroup.currentEventLoop != nil)
                    return result
                }
            }
        }
    }

    // MARK: - Swift client, C++ server

    @Test(arguments: ClientMode.allCases) func echo(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            for text in ["hello", "", "héllo wörld ✓"] {
                #expect(try await service.echo(text: text).results.text == text)
            }
            let big = String((0..<100_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            #expect(try await service.echo(text: big).results.text == big)
        }
    }

    @Test(arguments: ClientMode.allCases) func add(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            #expect(try await service.add(a: 2, b: 3).results.sum == 5)
            #expect(try await service.add(a: -7, b: 4).results.sum == -3)
            #expect(try await service.add(a: 1 << 40, b: 1).results.sum == (1 << 40) + 1)
            #expect(try await service.add(a: .max, b: 1).results.sum == .min)
        }
    }

    @Test(arguments: ClientMode.allCases) func failCarriesKindAndReason(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            let error = await #expect(throws: RPCError.self) {
                try await service.fail(message: "deliberate failure 42")
            }
            #expect(error?.kind == .failed)
            #expect(error?.reason.contains("deliberate failure 42") == true)
            #expect(try await service.echo(text: "after fail").results.text == "after fail")
        }
    }

    @Test(arguments: ClientMode.allCases) func callbackPassedAsParameterIsCalledBack(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            let live = LiveCount()
            do {
                let callback = Callback.client(DoublingCallback(live: live))
                #expect(try await service.callBack(callback: callback, value: 20).results.result == 41)
                #expect(try await service.callBack(callback: callback, value: -5).results.result == -9)
            }
            // C++ drops its import once the calls are done; then the object goes.
            #expect(await live.wait(for: 0))
        }
    }

    @Test(arguments: ClientMode.allCases) func returnedCounterIsCalled(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            let made = try await service.makeCounter(start: 5)
            let counter = Counter.Client(try made.capability(made.results.counter))
            #expect(try await counter.increment(by: 2).results.value == 7)
            #expect(try await counter.increment(by: 3).results.value == 10)
        }
    }

    @Test(arguments: ClientMode.allCases) func pipelinedCallsOnAnUnresolvedResult(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            let pending = await service.makeCounter { params, _ in params.start = 100 }
            let counter = Counter.Client(pending.pipeline(0))
            #expect(try await counter.increment(by: 1).results.value == 101)
            // A chain: calls pipelined before and after the result arrives stay in order.
            let second = await service.makeCounter { params, _ in params.start = 0 }
            let chained = Counter.Client(second.pipeline(0))
            var calls: [PendingCall<Counter.IncrementResults.Reader>] = []
            for _ in 0..<50 { calls.append(await chained.increment { params, _ in params.by = 1 }) }
            _ = try await second.response()
            for _ in 0..<50 { calls.append(await chained.increment { params, _ in params.by = 1 }) }
            var values: [Int64] = []
            for call in calls { values.append(try await call.response().results.value) }
            #expect(values == Array(1...100))
        }
    }

    @Test(arguments: ClientMode.allCases) func droppedCounterIsReleased(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            #expect(try await service.liveCounters().results.count == 0)
            do {
                let made = try await service.makeCounter(start: 1)
                let counter = Counter.Client(try made.capability(made.results.counter))
                #expect(try await counter.increment(by: 1).results.value == 2)
                #expect(try await service.liveCounters().results.count == 1)
            }
            let released = try await eventually { try await service.liveCounters().results.count == 0 }
            #expect(released, "the C++ counter is still alive after the Swift side dropped it")
        }
    }

    @Test(arguments: ClientMode.allCases) func heldCallbackIsReleasedByCpp(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            let live = LiveCount()
            do {
                let callback = Callback.client(DoublingCallback(live: live))
                _ = try await service.hold(callback: callback)
            }
            #expect(live.current == 1, "the callback died while C++ holds it")
            #expect(try await service.callHeld(value: 3).results.result == 6)
            _ = try await service.releaseHeld()
            #expect(await live.wait(for: 0), "C++ released the callback but the Swift object lives on")
        }
    }

    @Test(arguments: ClientMode.allCases) func selfCapability(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, _, _) async throws in
            let pending = await service.getSelf { _, _ in }
            let this = TestService.Client(pending.pipeline(0))
            #expect(try await this.echo(text: "x").results.text == "x")
            let resolved = try await pending.response()
            #expect(try await this.echo(text: "y").results.text == "y")
            let direct = TestService.Client(try resolved.capability(resolved.results.service))
            #expect(try await direct.add(a: 1, b: 2).results.sum == 3)
        }
    }

    @Test(arguments: ClientMode.allCases)
    func crashDisconnectsOutstandingAndLaterCalls(_ mode: ClientMode) async throws {
        try await withCppServer(mode) { (service, connection, server) async throws in
            #expect(try await service.echo(text: "up").results.text == "up")
            let slow = await service.slowEcho { params, _ in
                params.text = "never"
                params.millis = 10_000
            }
            let crash = await service.crash { _, _ in }
            for call in [slow.call, crash.call] {
                let error = await #expect(throws: RPCError.self) { try await call.response() }
                #expect(error?.kind == .disconnected)
            }
            let later = await #expect(throws: RPCError.self) { try await service.echo(text: "after") }
            #expect(later?.kind == .disconnected)
            #expect(await connection.closedReason().kind == .disconnected)
            server.stop()
            #expect(!server.isRunning)
        }
    }

    // MARK: - C++ client, Swift server

    static let cppScenarios = [
        "all", "echo", "add", "fail", "callback", "counter", "pipeline", "release", "hold", "self",
        "embargo", "slow", "cancel", "unimplemented", "resolve", "loopback",
    ]

    @Test(arguments: cppScenarios)
    func cppClientAgainstSwiftServer(_ scenario: String) async throws {
        let listener = try await VatNetwork().listen(
            address: .tcp(host: "127.0.0.1", port: 0),
            secretKey: try Self.serverKey.get(),
            serveTLS: false
        )
        let port = try #require(listener.port)
        let (implementation, capability) = TestServiceServer.make()
        let output = try await withThrowingTaskGroup(of: CppPeer.Output?.self) { group in
            group.addTask {
                try await listener.run { transport in
                    let connection = RPCConnection(transport: transport, bootstrap: capability)
                    await connection.start()
                    _ = await connection.closedReason()
                }
                return nil
            }
            let output = try await CppPeer.client(address: "127.0.0.1:\(port)", scenario: scenario)
            await listener.close()
            return output
        }
        #expect(
            output.standardOutput.contains("OK \(scenario)"),
            "rpc-peer client \(scenario): \(output.standardOutput) \(output.standardError)"
        )
        #expect(output.status == 0)
        // The connection is gone: every counter it made has been released.
        #expect(await implementation.counters.wait(for: 0))
    }
}
