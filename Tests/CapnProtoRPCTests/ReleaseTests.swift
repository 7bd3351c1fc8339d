// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import Testing

/// A TestService that counts its `released()` calls and whose slowEcho ignores cancellation and
/// stays pending until the test opens its gate.
final class ReleaseCountingService: TestService.PartialServer {
    let started = LiveCount()
    /// Opened (incremented) by the test to let slowEcho return.
    let gate = LiveCount()
    let finished = LiveCount()
    let releases = LiveCount()

    func echo(
        _ params: TestService.EchoParams.Reader,
        _ results: TestService.EchoResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.text = try params.text
    }

    func slowEcho(
        _ params: TestService.SlowEchoParams.Reader,
        _ results: TestService.SlowEchoResults.Builder,
        _ call: ServerCall
    ) async throws {
        started.increment()
        // Until the test opens the gate (or `millis` pass, so a failed test still ends).
        let deadline = ContinuousClock.now + .milliseconds(Int(params.millis))
        while gate.current == 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        finished.increment()
        results.text = try params.text
    }

    func released() { releases.increment() }
}

@Suite(.timeLimit(.minutes(1))) struct ReleaseTests {
    /// ocluster's worker cancels a build in its `Job`'s `release`, which capnp-rpc runs when the
    /// peer releases the capability even while calls on it are still running.
    @Test func releaseWithACallPendingRunsTheServersReleased() async throws {
        let (left, right) = InMemoryTransport.pair()
        let implementation = ReleaseCountingService()
        // A fresh capability per bootstrap: the export table is its only holder.
        let server = RPCConnection(transport: right, services: { _ in TestService.client(implementation).capability })
        let client = RPCConnection(transport: left)
        await server.start()
        await client.start()
        var service: TestService.Client? = TestService.Client(await client.bootstrap())
        #expect(try await service?.echo(text: "up").results.text == "up")
        let pending = await service?.slowEcho { params, _ in
            params.text = "late"
            params.millis = 60_000
        }
        #expect(await implementation.started.wait(for: 1))
        #expect(implementation.releases.current == 0)
        service = nil  // The import goes: Release, with the slowEcho call still running.
        #expect(await implementation.releases.wait(for: 1))
        #expect(implementation.finished.current == 0, "released only once the call had finished")
        implementation.gate.increment()
        // The call itself is not cut short by the release.
        #expect(try await pending?.response().results.text == "late")
        #expect(implementation.releases.current == 1)
    }

    @Test func droppedConnectionRunsReleasedForItsExports() async throws {
        let (left, right) = InMemoryTransport.pair()
        let implementation = ReleaseCountingService()
        let server = RPCConnection(transport: right, services: { _ in TestService.client(implementation).capability })
        let client = RPCConnection(transport: left)
        await server.start()
        await client.start()
        let service = TestService.Client(await client.bootstrap())
        let pending = await service.slowEcho { params, _ in
            params.text = "never read"
            params.millis = 3_000
        }
        #expect(await implementation.started.wait(for: 1))
        left.breakLink()
        #expect(await implementation.releases.wait(for: 1))
        implementation.gate.increment()
        _ = pending
    }
}
