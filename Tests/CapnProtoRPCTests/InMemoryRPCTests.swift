// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
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

    /// A wait that gives up on cancel ends at once, and the call goes on: another wait gets its results.
    @Test func responseUnlessCancelledGivesUpAndLeavesTheCall() async throws {
        let vats = await Vats.make()
        let slow = await vats.service.slowEcho { params, _ in
            params.text = "late"
            params.millis = 300
        }
        let impatient = Task { try await slow.responseUnlessCancelled() }
        impatient.cancel()
        await #expect(throws: CancellationError.self) { try await impatient.value }
        #expect(try await slow.responseUnlessCancelled().results.text == "late")
    }

    /// A Release waiting to go out is sent first when the next call is made. When that send finds
    /// the link closed (its end not read yet), the connection breaks there, and the call must fail
    /// with it rather than be sent into the broken connection and wait forever. The Release is
    /// queued by a task that may run first, so the race is run several times (before the fix, the
    /// call was lost in the first).
    @Test(.timeLimit(.minutes(1))) func callAfterAReleaseThatFindsTheLinkClosedFails() async throws {
        for round in 0..<20 {
            let vats = await Vats.make()
            var other: TestService.Client? = TestService.Client(await vats.client.bootstrap())
            #expect(try await other?.echo(text: "up").results.text == "up")
            #expect(try await vats.service.echo(text: "up").results.text == "up")
            vats.clientLink.failSends()
            other = nil  // Queues its Release (and its bootstrap's Finish).
            // Sent from this task at once, so that it usually reaches the connection before the task
            // that sends the Release.
            let call = await vats.service.echo { params, _ in params.text = "after" }
            let outcome = PromiseCell<Result<String, RPCError>?>()
            Task { outcome.resolve(await Self.text(of: call)) }
            let timeout = Task {
                try? await Task.sleep(for: .seconds(10))
                outcome.resolve(nil)
            }
            let settled = await outcome.wait()
            timeout.cancel()
            guard let result = settled else {
                Issue.record("round \(round): the call waited on a broken connection for 10 s")
                return
            }
            guard case .failure(let error) = result else {
                Issue.record("round \(round): the call on the broken connection succeeded")
                return
            }
            #expect(error.kind == .disconnected)
            #expect(await vats.client.tableSizes.questions == 0)
            await vats.server.close()
        }
    }

    private static func text(of call: PendingCall<TestService.EchoResults.Reader>) async -> Result<String, RPCError> {
        do {
            return .success(try await call.response().results.text)
        } catch {
            return .failure(RPCError.from(error))
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
