// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import Synchronization

/// Counts live objects so tests can observe releases.
final class LiveCount: Sendable {
    let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    func decrement() { value.withLock { $0 -= 1 } }
    var current: Int { value.withLock { $0 } }

    /// Waits up to `seconds` for the count to reach `target`.
    func wait(for target: Int, seconds: Double = 5) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if current == target { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return current == target
    }
}

final class CounterServer: Counter.Server {
    let value: Mutex<Int64>
    let live: LiveCount

    init(start: Int64, live: LiveCount) {
        value = Mutex(start)
        self.live = live
        live.increment()
    }

    deinit { live.decrement() }

    func increment(
        _ params: Counter.IncrementParams.Reader,
        _ results: Counter.IncrementResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.value = value.withLock { value in
            value &+= params.by
            return value
        }
    }
}

final class DoublingCallback: Callback.Server {
    let live: LiveCount?

    init(live: LiveCount? = nil) {
        self.live = live
        live?.increment()
    }

    deinit { live?.decrement() }

    func call(
        _ params: Callback.CallParams.Reader,
        _ results: Callback.CallResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.result = params.value &* 2
    }
}

/// The Swift implementation of rpc-test.capnp's TestService, as the C++ peer implements it.
final class TestServiceServer: TestService.Server {
    let counters = LiveCount()
    let held = Mutex<Capability?>(nil)
    let this = Mutex<Capability?>(nil)

    func echo(
        _ params: TestService.EchoParams.Reader,
        _ results: TestService.EchoResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.text = try params.text
    }

    func add(
        _ params: TestService.AddParams.Reader,
        _ results: TestService.AddResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.sum = params.a &+ params.b
    }

    func fail(
        _ params: TestService.FailParams.Reader,
        _ results: TestService.FailResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        throw RPCError(.failed, try params.message)
    }

    func callBack(
        _ params: TestService.CallBackParams.Reader,
        _ results: TestService.CallBackResults.Builder,
        _ call: ServerCall
    ) async throws {
        let callback = Callback.Client(try call.params.capability(params.callback))
        results.result = try await callback.call(value: params.value).results.result &+ 1
    }

    func makeCounter(
        _ params: TestService.MakeCounterParams.Reader,
        _ results: TestService.MakeCounterResults.Builder,
        _ call: ServerCall
    ) async throws {
        call.results.setCapability(Capability(CounterServer(start: params.start, live: counters)), in: results.counter)
    }

    func liveCounters(
        _ params: TestService.LiveCountersParams.Reader,
        _ results: TestService.LiveCountersResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.count = UInt32(counters.current)
    }

    func hold(
        _ params: TestService.HoldParams.Reader,
        _ results: TestService.HoldResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let callback = try call.params.capability(params.callback)
        held.withLock { $0 = callback }
    }

    func releaseHeld(
        _ params: TestService.ReleaseHeldParams.Reader,
        _ results: TestService.ReleaseHeldResults.Builder,
        _ call: ServerCall
    ) async throws {
        held.withLock { $0 = nil }
    }

    func callHeld(
        _ params: TestService.CallHeldParams.Reader,
        _ results: TestService.CallHeldResults.Builder,
        _ call: ServerCall
    ) async throws {
        guard let callback = held.withLock({ $0 }) else { throw RPCError(.failed, "no callback is held") }
        results.result = try await Callback.Client(callback).call(value: params.value).results.result
    }

    func slowEcho(
        _ params: TestService.SlowEchoParams.Reader,
        _ results: TestService.SlowEchoResults.Builder,
        _ call: ServerCall
    ) async throws {
        try await Task.sleep(for: .milliseconds(Int(params.millis)))
        results.text = try params.text
    }

    func getSelf(
        _ params: TestService.GetSelfParams.Reader,
        _ results: TestService.GetSelfResults.Builder,
        _ call: ServerCall
    ) async throws {
        call.results.setCapability(this.withLock { $0 }, in: results.service)
    }

    /// The capability clients bootstrap; `getSelf` returns it.
    static func make() -> (TestServiceServer, Capability) {
        let server = TestServiceServer()
        let capability = Capability(server)
        server.this.withLock { $0 = capability }
        return (server, capability)
    }
}
