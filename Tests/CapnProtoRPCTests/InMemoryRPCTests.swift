// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import TestSupport
import Testing

/// Two Swift vats over an in-memory link.
struct Vats {
    let client: RPCConnection
    let server: RPCConnection
    let service: TestService.Client
    let implementation: TestServiceServer
    let clientLink: InMemoryTransport

    static func make() async -> Vats {
        let (left, right) = InMemoryTransport.pair()
        let (implementation, capability) = TestServiceServer.make()
        let server = RPCConnection(transport: right, bootstrap: capability)
        let client = RPCConnection(transport: left)
        await server.start()
        await client.start()
        let service = TestService.Client(await client.bootstrap())
        return Vats(client: client, server: server, service: service, implementation: implementation, clientLink: left)
    }
}

@Suite struct InMemoryRPCTests {
    @Test func plainCalls() async throws {
        let vats = await Vats.make()
        #expect(try await vats.service.echo(text: "hello").results.text == "hello")
        #expect(try await vats.service.add(a: 40, b: 2).results.sum == 42)
    }

    @Test func exceptionCarriesKindAndReason() async throws {
        let vats = await Vats.make()
        do {
            _ = try await vats.service.fail(message: "deliberate 7")
            Issue.record("fail returned normally")
        } catch let error as RPCError {
            #expect(error.kind == .failed)
            #expect(error.reason.contains("deliberate 7"))
        }
    }

    @Test func capabilityPassedAsParameterIsCalledBack() async throws {
        let vats = await Vats.make()
        let callback = Callback.client(DoublingCallback())
        #expect(try await vats.service.callBack(callback: callback, value: 20).results.result == 41)
    }

    @Test func returnedCapabilityIsCalled() async throws {
        let vats = await Vats.make()
        let response = try await vats.service.makeCounter(start: 5)
        let counter = Counter.Client(try response.capability(response.results.counter))
        #expect(try await counter.increment(by: 2).results.value == 7)
        #expect(try await counter.increment(by: 3).results.value == 10)
    }

    @Test func pipelinedCallOnUnresolvedResult() async throws {
        let vats = await Vats.make()
        let pending = await vats.service.makeCounter { params, _ in params.start = 100 }
        let counter = Counter.Client(pending.pipeline(0))
        #expect(try await counter.increment(by: 1).results.value == 101)
    }

    @Test func releaseIsObservedByTheServer() async throws {
        let vats = await Vats.make()
        do {
            let response = try await vats.service.makeCounter(start: 0)
            let counter = Counter.Client(try response.capability(response.results.counter))
            #expect(try await counter.increment(by: 1).results.value == 1)
            #expect(vats.implementation.counters.current == 1)
        }
        #expect(await vats.implementation.counters.wait(for: 0))
    }

    @Test func disconnectBreaksOutstandingCalls() async throws {
        let vats = await Vats.make()
        #expect(try await vats.service.echo(text: "up").results.text == "up")
        let slow = await vats.service.slowEcho { params, _ in
            params.text = "late"
            params.millis = 5000
        }
        vats.clientLink.breakLink()
        do {
            _ = try await slow.response()
            Issue.record("a call survived the disconnect")
        } catch let error as RPCError {
            #expect(error.kind == .disconnected)
        }
        do {
            _ = try await vats.service.echo(text: "after")
            Issue.record("a call after the disconnect succeeded")
        } catch let error as RPCError {
            #expect(error.kind == .disconnected)
        }
    }

    @Test func tablesDrainAfterManyCalls() async throws {
        let vats = await Vats.make()
        for index in 0..<2000 {
            #expect(try await vats.service.add(a: Int64(index), b: 1).results.sum == Int64(index) + 1)
        }
        let response = try await vats.service.makeCounter(start: 0)
        _ = response
        // Only the bootstrap question/answer and its export remain (plus the counter held above).
        let drained = await eventually {
            let client = await vats.client.tableSizes
            let server = await vats.server.tableSizes
            return client.questions <= 2 && server.answers <= 2
        }
        #expect(drained)
    }
}
