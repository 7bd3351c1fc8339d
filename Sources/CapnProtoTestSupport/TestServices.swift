// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import Synchronization

/// Counts live objects so tests can observe releases.
public final class LiveCount: Sendable {
    let value = Mutex(0)
    public init() {}
    public func increment() { value.withLock { $0 += 1 } }
    public func decrement() { value.withLock { $0 -= 1 } }
    public var current: Int { value.withLock { $0 } }

    /// Waits up to `seconds` for the count to reach `target` (returning as soon as it does: the bound
    /// is generous for loaded machines).
    public func wait(for target: Int, seconds: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if current == target { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return current == target
    }
}

public final class CounterServer: Counter.Server {
    let value: Mutex<Int64>
    let live: LiveCount

    public init(start: Int64, live: LiveCount) {
        value = Mutex(start)
        self.live = live
        live.increment()
    }

    deinit { live.decrement() }

    public func increment(
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

public final class DoublingCallback: Callback.Server {
    let live: LiveCount?

    public init(live: LiveCount? = nil) {
        self.live = live
        live?.increment()
    }

    deinit { live?.decrement() }

    public func call(
        _ params: Callback.CallParams.Reader,
        _ results: Callback.CallResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.result = params.value &* 2
    }
}

/// The Swift implementation of rpc-test.capnp's TestService, as the C++ peer implements it.
/// Partial: `crash` (which makes the C++ peer exit) answers `unimplemented` here.
public final class TestServiceServer: TestService.PartialServer {
    public let counters = LiveCount()
    public let held = Mutex<Capability?>(nil)
    public let this = Mutex<Capability?>(nil)

    public func echo(
        _ params: TestService.EchoParams.Reader,
        _ results: TestService.EchoResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.text = try params.text
    }

    public func add(
        _ params: TestService.AddParams.Reader,
        _ results: TestService.AddResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.sum = params.a &+ params.b
    }

    public func fail(
        _ params: TestService.FailParams.Reader,
        _ results: TestService.FailResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        throw RPCError(.failed, try params.message)
    }

    public func callBack(
        _ params: TestService.CallBackParams.Reader,
        _ results: TestService.CallBackResults.Builder,
        _ call: ServerCall
    ) async throws {
        let callback = Callback.Client(try call.params.capability(params.callback))
        results.result = try await callback.call(value: params.value).results.result &+ 1
    }

    public func makeCounter(
        _ params: TestService.MakeCounterParams.Reader,
        _ results: TestService.MakeCounterResults.Builder,
        _ call: ServerCall
    ) async throws {
        call.results.setCapability(Capability(CounterServer(start: params.start, live: counters)), in: results.counter)
    }

    public func liveCounters(
        _ params: TestService.LiveCountersParams.Reader,
        _ results: TestService.LiveCountersResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.count = UInt32(counters.current)
    }

    public func hold(
        _ params: TestService.HoldParams.Reader,
        _ results: TestService.HoldResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let callback = try call.params.capability(params.callback)
        held.withLock { $0 = callback }
    }

    public func releaseHeld(
        _ params: TestService.ReleaseHeldParams.Reader,
        _ results: TestService.ReleaseHeldResults.Builder,
        _ call: ServerCall
    ) async throws {
        held.withLock { $0 = nil }
    }

    public func callHeld(
        _ params: TestService.CallHeldParams.Reader,
        _ results: TestService.CallHeldResults.Builder,
        _ call: ServerCall
    ) async throws {
        guard let callback = held.withLock({ $0 }) else { throw RPCError(.failed, "no callback is held") }
        results.result = try await Callback.Client(callback).call(value: params.value).results.result
    }

    public func slowEcho(
        _ params: TestService.SlowEchoParams.Reader,
        _ results: TestService.SlowEchoResults.Builder,
        _ call: ServerCall
    ) async throws {
        try await Task.sleep(for: .milliseconds(Int(params.millis)))
        results.text = try params.text
    }

    public func getSelf(
        _ params: TestService.GetSelfParams.Reader,
        _ results: TestService.GetSelfResults.Builder,
        _ call: ServerCall
    ) async throws {
        call.results.setCapability(this.withLock { $0 }, in: results.service)
    }

    /// The capability clients bootstrap; `getSelf` returns it.
    public static func make() -> (TestServiceServer, Capability) {
        let server = TestServiceServer()
        let capability = Capability(server)
        server.this.withLock { $0 = capability }
        return (server, capability)
    }
}
