// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import CapnProtoTestSupport
import Synchronization
import TestSupport
import Testing

/// Calls whose server says they would only wait (``CapabilityServer/gate(for:)``) are held without a task:
/// they reach the server once the gate opens, are let go when the caller finishes them or the connection
/// ends, and calls the server does not gate run at once beside them.
@Suite struct CallGateTests {
    /// Gates every call but method 9 until `open`; counts the calls that reached `dispatch`.
    final class GatedServer: CapabilityServer {
        let gate = PromiseCell<Void>()
        let dispatched = Mutex(0)

        func gate(for call: ServerCall) -> (any CallGate)? {
            call.methodId == 9 || gate.current != nil ? nil : gate
        }

        func dispatch(_ call: ServerCall) async throws {
            dispatched.withLock { $0 += 1 }
        }

        func open() { gate.resolve(()) }

        var calls: Int { dispatched.withLock { $0 } }
        /// Calls held at the gate.
        var held: Int { gate.waiterCount }
    }

    struct Link {
        let server: GatedServer
        let client: RPCConnection
        let clientLink: InMemoryTransport
        let capability: Capability

        static func make() async -> Link {
            let (left, right) = InMemoryTransport.pair()
            let server = GatedServer()
            let serverConnection = RPCConnection(transport: right, bootstrap: Capability(server))
            let client = RPCConnection(transport: left)
            await serverConnection.start()
            await client.start()
            return Link(server: server, client: client, clientLink: left, capability: await client.bootstrap())
        }

        func call(method: UInt16) async -> RPCCall {
            await capability.send(interfaceId: 0x1234, methodId: method) { _ in }
        }
    }

    @Test func aHeldCallReachesItsServerWhenTheGateOpens() async throws {
        let link = await Link.make()
        let held = await link.call(method: 0)
        try await waitUntil("the call is held") { link.server.held == 1 }
        // A call the server does not gate runs meanwhile.
        _ = try await link.call(method: 9).response()
        #expect(link.server.calls == 1)

        link.server.open()
        _ = try await held.response()
        #expect(link.server.calls == 2)
        #expect(link.server.held == 0)
    }

    @Test func aHeldCallTheCallerFinishesIsLetGoUnrun() async throws {
        let link = await Link.make()
        var held: RPCCall? = await link.call(method: 0)
        try await waitUntil("the call is held") { link.server.held == 1 }
        #expect(held != nil)
        held = nil  // the Finish
        try await waitUntil("the held call is let go") { link.server.held == 0 }

        link.server.open()
        _ = try await link.call(method: 0).response()
        #expect(link.server.calls == 1)
    }

    @Test func aHeldCallIsLetGoWithItsConnection() async throws {
        let link = await Link.make()
        let held = await link.call(method: 0)
        try await waitUntil("the call is held") { link.server.held == 1 }
        link.clientLink.breakLink()
        let error = await #expect(throws: RPCError.self) { _ = try await held.response() }
        #expect(error?.kind == .disconnected)
        try await waitUntil("the server's connection lets the call go") { link.server.held == 0 }
        #expect(link.server.calls == 0)
    }
}
