// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import Synchronization
import TestSupport
import Testing

/// Hands back the capability it is given: the results' content is the parameters' content.
/// With it a vat can get its own capability back as a promise resolved by the peer.
struct Reflector: CapabilityServer {
    static let interfaceId: UInt64 = 0xf1e2_d3c4_b5a6_9788

    func dispatch(_ call: ServerCall) async throws {
        let capability = try call.params.capability(call.params.content)
        call.results.setCapability(capability, in: call.results.content)
    }
}

/// A TestService whose slowEcho reports whether it was cancelled.
final class CancellableService: TestService.PartialServer {
    let started = LiveCount()
    let cancelled = LiveCount()

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
        do {
            try await Task.sleep(for: .milliseconds(Int(params.millis)))
        } catch {
            cancelled.increment()
            throw error
        }
        results.text = try params.text
    }
}

typealias TableSizes = (questions: Int, answers: Int, exports: Int, imports: Int)

func same(_ a: TableSizes, _ b: TableSizes) -> Bool {
    a.questions == b.questions && a.answers == b.answers && a.exports == b.exports && a.imports == b.imports
}

@Suite(.timeLimit(.minutes(2))) struct EngineTests {
    // MARK: - Embargoes and E-order

    @Test func callsOnAPromiseThatComesHomeArriveInOrder() async throws {
        let (left, right) = InMemoryTransport.pair()
        let server = RPCConnection(transport: right, bootstrap: Capability(Reflector()))
        let client = RPCConnection(transport: left)
        await server.start()
        await client.start()
        let reflector = await client.bootstrap()
        let live = LiveCount()
        for round in 0..<5 {
            let counter = Capability(CounterServer(start: 0, live: live))
            let reflected = await reflector.send(interfaceId: Reflector.interfaceId, methodId: 0) { params in
                params.setCapability(counter, in: params.content)
            }
            // The promise resolves (in the Return) to `counter`, which lives here: calls made
            // before that went to the peer and come back; calls made after must wait for them.
            let promise = Counter.Client(reflected.pipeline([]))
            var calls: [PendingCall<Counter.IncrementResults.Reader>] = []
            for _ in 0..<40 { calls.append(await promise.increment { params, _ in params.by = 1 }) }
            _ = try await reflected.response()
            for _ in 0..<40 { calls.append(await promise.increment { params, _ in params.by = 1 }) }
            var values: [Int64] = []
            for call in calls { values.append(try await call.response().results.value) }
            #expect(values == Array(1...80), "round \(round): calls were delivered out of order")
        }
        #expect(await live.wait(for: 0))
    }

    @Test func callsOnALocalCapabilityStartInOrder() async throws {
        let live = LiveCount()
        let counter = Counter.client(CounterServer(start: 0, live: live))
        var calls: [PendingCall<Counter.IncrementResults.Reader>] = []
        for _ in 0..<500 { calls.append(await counter.increment { params, _ in params.by = 1 }) }
        var values: [Int64] = []
        for call in calls { values.append(try await call.response().results.value) }
        #expect(values == Array(1...500))
    }

    @Test func incomingCallsOnOneCapabilityRunInArrivalOrder() async throws {
        let vats = await Vats.make()
        let response = try await vats.service.makeCounter(start: 0)
        let counter = Counter.Client(try response.capability(response.results.counter))
        var calls: [PendingCall<Counter.IncrementResults.Reader>] = []
        for _ in 0..<500 { calls.append(await counter.increment { params, _ in params.by = 1 }) }
        var values: [Int64] = []
        for call in calls { values.append(try await call.response().results.value) }
        #expect(values == Array(1...500))
    }

    // MARK: - Finish and Release bookkeeping

    @Test func tablesReturnToBaselineAfterTenThousandCalls() async throws {
        let vats = await Vats.make()
        #expect(try await vats.service.echo(text: "baseline").results.text == "baseline")
        // Only the bootstrap capability remains once the echo's Finish has gone through: one
        // import on the client, one export on the server. The bootstrap question itself is
        // finished as soon as it returns (its pipelined capability now points at the import).
        let clientBaseline: TableSizes = (0, 0, 0, 1)
        let serverBaseline: TableSizes = (0, 0, 1, 0)
        let settled = await eventually {
            let client = await vats.client.tableSizes
            let server = await vats.server.tableSizes
            return same(client, clientBaseline) && same(server, serverBaseline)
        }
        #expect(settled)
        let callbacks = LiveCount()
        let service = vats.service
        var total = 0
        for batch in 0..<100 {
            total += try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let n = Int64(batch * 100 + index)
                        switch index % 5 {
                        case 0:
                            // A capability-returning call, used and dropped.
                            let made = try await service.makeCounter(start: n)
                            let counter = Counter.Client(try made.capability(made.results.counter))
                            #expect(try await counter.increment(by: 1).results.value == n + 1)
                        case 1:
                            // Pipelined on the unresolved result, then everything dropped.
                            let pending = await service.makeCounter { params, _ in params.start = n }
                            let value = try await Counter.Client(pending.pipeline(0)).increment(by: 2).results.value
                            #expect(value == n + 2)
                        case 2:
                            // A capability passed as a parameter and called back.
                            let callback = Callback.client(DoublingCallback(live: callbacks))
                            #expect(
                                try await service.callBack(callback: callback, value: n).results.result == 2 * n + 1
                            )
                        case 3:
                            // A call whose results are never awaited (Finish before Return).
                            _ = await service.add { params, _ in
                                params.a = n
                                params.b = 1
                            }
                        default:
                            #expect(try await service.add(a: n, b: 1).results.sum == n + 1)
                        }
                        return 1
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(total == 10_000)
        let drained = await eventually {
            let client = await vats.client.tableSizes
            let server = await vats.server.tableSizes
            return same(client, clientBaseline) && same(server, serverBaseline)
        }
        let client = await vats.client.tableSizes
        let server = await vats.server.tableSizes
        #expect(drained, "client tables \(client) vs \(clientBaseline); server tables \(server) vs \(serverBaseline)")
        #expect(await vats.implementation.counters.wait(for: 0))
        #expect(await callbacks.wait(for: 0))
        // Still usable afterwards.
        #expect(try await vats.service.add(a: 1, b: 2).results.sum == 3)
    }

    @Test func aHeldPipelinedCapabilityLetsItsQuestionFinish() async throws {
        let vats = await Vats.make()
        #expect(try await vats.service.echo(text: "baseline").results.text == "baseline")
        let counter: Counter.Client
        do {
            let pending = await vats.service.makeCounter { params, _ in params.start = 40 }
            counter = Counter.Client(pending.pipeline(0))
            _ = try await pending.response()
        }
        // Only the counter is held, through the capability pipelined on the call: as in C++, the
        // question is finished once it returns, so the server forgets the answer (and its results).
        let finished = await eventually {
            let client = await vats.client.tableSizes
            let server = await vats.server.tableSizes
            return same(client, (0, 0, 0, 2)) && same(server, (0, 0, 2, 0))
        }
        let client = await vats.client.tableSizes
        let server = await vats.server.tableSizes
        #expect(finished, "client tables \(client), server tables \(server)")
        #expect(try await counter.increment(by: 2).results.value == 42)
    }

    // MARK: - Cancellation

    @Test func finishCancelsTheServersCall() async throws {
        let (left, right) = InMemoryTransport.pair()
        let implementation = CancellableService()
        let server = RPCConnection(transport: right, bootstrap: TestService.client(implementation).capability)
        let client = RPCConnection(transport: left)
        await server.start()
        await client.start()
        let service = TestService.Client(await client.bootstrap())
        #expect(try await service.echo(text: "x").results.text == "x")
        let clientBaseline: TableSizes = (0, 0, 0, 1)
        let serverBaseline: TableSizes = (0, 0, 1, 0)
        do {
            let pending = await service.slowEcho { params, _ in
                params.text = "never"
                params.millis = 60_000
            }
            #expect(await implementation.started.wait(for: 1))
            _ = pending
        }  // The last reference goes: Finish.
        // Counted only when the server's sleep is cut short by cancellation (no wall-clock bound: a loaded
        // machine may take seconds to run the tasks involved).
        #expect(await implementation.cancelled.wait(for: 1))
        let drained = await eventually {
            let clientSizes = await client.tableSizes
            let serverSizes = await server.tableSizes
            return same(clientSizes, clientBaseline) && same(serverSizes, serverBaseline)
        }
        #expect(drained)
        #expect(try await service.echo(text: "after").results.text == "after")
    }

    @Test func finishBeforeReturnGetsReturnCanceled() async throws {
        let implementation = CancellableService()
        let peer = try await RawPeer.make(bootstrap: TestService.client(implementation).capability)
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = 1
            call.interfaceId = TestService.interfaceID
            call.methodId = 9
            let answer = call.initTarget().initPromisedAnswer()
            answer.questionId = 0
            let params = call.initParams().content.initStruct(dataWords: 1, pointerCount: 1)
            // Long enough that the call is still running when Finish arrives, however loaded the machine.
            params.write(UInt32(100_000), at: 0)
        }
        #expect(await implementation.started.wait(for: 1), "the call is running when Finish arrives")
        try peer.inject { message in message.initFinish().questionId = 1 }
        let ret = try await peer.expectReturn(1)
        guard case .canceled = try ret.which else {
            Issue.record("expected Return.canceled, got \(try ret.which)")
            return
        }
    }

    // MARK: - Malformed messages

    @Test func garbageMessageAbortsWithAClearError() async throws {
        let vats = await Vats.make()
        #expect(try await vats.service.echo(text: "up").results.text == "up")
        // One segment of one word: a struct pointer whose target lies far outside the segment.
        var frame: [UInt8] = [0, 0, 0, 0, 1, 0, 0, 0]
        frame += [0x40, 0x9c, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00]
        try vats.clientLink.injectToPeer(frame: frame)
        let serverReason = await vats.server.closedReason()
        #expect(serverReason.reason.contains("malformed message"))
        let clientReason = await vats.client.closedReason()
        #expect(clientReason.kind == .disconnected)
        #expect(clientReason.reason.contains("the peer aborted the connection"))
        #expect(clientReason.reason.contains("malformed message"))
        await #expect(throws: RPCError.self) { try await vats.service.echo(text: "after") }
    }

    @Test func unknownMessageTypeIsEchoedAsUnimplemented() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in
            message._builder.write(UInt16(99), at: 0)
        }
        let reply = try await peer.next()
        guard case .unimplemented(let echoed) = try reply.which, case ._unknown(99) = try echoed.which else {
            Issue.record("expected Unimplemented echoing message type 99, got \(try reply.which)")
            return
        }
        try await peer.expectStillServing()
    }

    @Test func returnForUnknownQuestionAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in
            let ret = message.initReturn()
            ret.answerId = 77
            _ = ret.initResults()
        }
        let reason = try await peer.expectAbort()
        #expect(reason.contains("Return for unknown question 77"))
    }

    /// capnp-rpc drops the connection at the first call to an import it never gave out (a peer
    /// could otherwise grow our answer table with calls that cost it nothing); so do we, with its
    /// abort reason.
    @Test func callToNonexistentExportAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = 5
            call.interfaceId = TestService.interfaceID
            call.methodId = 0
            call.initTarget().importedCap = 42
            _ = call.initParams()
        }
        let reason = try await peer.expectAbort()
        #expect(reason == #"Failure("Key 42 is no longer allocated!")"#)
    }

    @Test func callPipelinedOnAnUnknownQuestionAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = 1
            call.interfaceId = TestService.interfaceID
            call.methodId = 0
            call.initTarget().initPromisedAnswer().questionId = 7
            _ = call.initParams()
        }
        let reason = try await peer.expectAbort()
        #expect(reason == #"Failure("Key 7 not found in table")"#)
    }

    @Test func tooManyUnfinishedCallsAbort() async throws {
        let peer = try await RawPeer.make(
            bootstrap: TestService.client(CancellableService()).capability,
            limits: RPCLimits(maxAnswers: 4)
        )
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        // Answered but never finished: each still holds its answer.
        for question in UInt32(1)...3 {
            try peer.echo(question: question, on: 0)
            _ = try await peer.expectReturn(question)
        }
        try peer.echo(question: 4, on: 0)
        let reason = try await peer.expectAbort()
        #expect(reason.contains("too many calls outstanding"), "\(reason)")
    }

    /// A peer whose Bootstraps named nothing we serve holds none of our capabilities, and all it can
    /// do is fail: it gets the small limit. A peer holding a capability gets the large one.
    @Test func aPeerHoldingNoCapabilityHasTheSmallerCallLimit() async throws {
        let limits = RPCLimits(maxAnswers: 100, maxAnswersWithoutCapability: 2)
        let stranger = try await RawPeer.make(servesNothing: true, limits: limits)
        for question in UInt32(0)...1 {
            try stranger.bootstrap(question: question)
            let ret = try await stranger.expectReturn(question)
            guard case .exception(let exception) = try ret.which else {
                Issue.record("a Bootstrap with nothing to serve succeeded")
                return
            }
            #expect(try exception.reason == "This vat has no bootstrap capability")
        }
        try stranger.bootstrap(question: 2)
        let reason = try await stranger.expectAbort()
        #expect(
            reason == "too many calls outstanding on this connection "
                + "(limit 2 without Finish, from a peer holding none of our capabilities)",
            "\(reason)"
        )

        let client = try await RawPeer.make(limits: limits)
        try client.bootstrap(question: 0)
        _ = try await client.expectReturn(0)
        for question in UInt32(1)...5 {
            try client.echo(question: question, on: 0, text: "unfinished \(question)")
            _ = try await client.expectReturn(question)
        }
        try await client.expectStillServing()
    }

    /// The default lets a client keep the calls of many thousand jobs open on one connection (each
    /// job's `result` and `log`, as an OCurrent pipeline does), where ocluster sets no bound.
    @Test func defaultCallLimitsLeaveRoomForAHundredThousandJobs() {
        #expect(RPCLimits.default.maxAnswers >= 200_000)
        #expect(RPCLimits.default.maxAnswersWithoutCapability <= 64)
        #expect(RPCLimits(maxAnswers: 8, maxAnswersWithoutCapability: 64).maxAnswersWithoutCapability == 8)
    }

    @Test func badCapabilityDescriptorFailsTheCall() async throws {
        let peer = try await RawPeer.make()
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        // callBack(callback: receiverHosted(999), value: 1): no such export of the server's.
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = 1
            call.interfaceId = TestService.interfaceID
            call.methodId = 3
            call.initTarget().initPromisedAnswer().questionId = 0
            let payload = call.initParams()
            let params = payload.content.initStruct(dataWords: 1, pointerCount: 1)
            params.pointer(0).setCapability(0)
            params.write(Int64(1), at: 0)
            payload.initCapTable(count: 1)[0].receiverHosted = 999
        }
        let ret = try await peer.expectReturn(1)
        guard case .exception(let exception) = try ret.which else {
            Issue.record("expected an exception, got \(try ret.which)")
            return
        }
        #expect(try exception.reason.contains("export 999"))
        try await peer.expectStillServing()
    }

    @Test func unknownCapabilityDescriptorFailsTheCall() async throws {
        let peer = try await RawPeer.make()
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = 1
            call.interfaceId = TestService.interfaceID
            call.methodId = 3
            call.initTarget().initPromisedAnswer().questionId = 0
            let payload = call.initParams()
            let params = payload.content.initStruct(dataWords: 1, pointerCount: 1)
            params.pointer(0).setCapability(0)
            payload.initCapTable(count: 1)[0]._builder.write(UInt16(77), at: 0)
        }
        let ret = try await peer.expectReturn(1)
        guard case .exception(let exception) = try ret.which else {
            Issue.record("expected an exception, got \(try ret.which)")
            return
        }
        #expect(try exception.reason.contains("unknown capability descriptor"))
        try await peer.expectStillServing()
    }

    @Test func disembargoForUnknownEmbargoAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in
            let disembargo = message.initDisembargo()
            disembargo.initTarget().importedCap = 0
            disembargo.context.receiverLoopback = 5
        }
        let reason = try await peer.expectAbort()
        #expect(reason.contains("Disembargo for unknown embargo 5"))
    }

    @Test func senderLoopbackToALocalObjectAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try peer.inject { message in
            let disembargo = message.initDisembargo()
            disembargo.initTarget().initPromisedAnswer().questionId = 0
            disembargo.context.senderLoopback = 3
        }
        let reason = try await peer.expectAbort()
        #expect(reason.contains("does not point back"))
    }

    @Test func reusedQuestionIdAborts() async throws {
        let implementation = CancellableService()
        let peer = try await RawPeer.make(bootstrap: TestService.client(implementation).capability)
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try peer.bootstrap(question: 0)
        let reason = try await peer.expectAbort()
        #expect(reason.contains("question 0 is already in use"))
    }

    @Test func strayFinishAndReleaseAreHarmless() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in message.initFinish().questionId = 1234 }
        try peer.inject { message in
            let release = message.initRelease()
            release.id = 99
            release.referenceCount = 3
        }
        try await peer.expectStillServing()
    }

    @Test func unknownResolveKindAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.inject { message in
            let resolve = message.initResolve()
            resolve.promiseId = 0
            resolve._builder.write(UInt16(9), at: 2)
        }
        let reason = try await peer.expectAbort()
        #expect(reason.contains("unknown Resolve kind"))
    }

    @Test func unknownPipelineOpAborts() async throws {
        let peer = try await RawPeer.make()
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = 1
            call.interfaceId = TestService.interfaceID
            call.methodId = 0
            let answer = call.initTarget().initPromisedAnswer()
            answer.questionId = 0
            answer.initTransform(count: 1)[0]._builder.write(UInt16(7), at: 0)
            _ = call.initParams()
        }
        let reason = try await peer.expectAbort()
        #expect(reason.contains("unknown pipeline op"))
    }
}

/// A hand-driven peer: frames go straight into a real RPCConnection's transport
/// (``InMemoryTransport/injectToPeer(frame:)``) and its replies are read one by one.
final class RawPeer: Sendable {
    let link: InMemoryTransport
    let connection: RPCConnection

    private init(link: InMemoryTransport, connection: RPCConnection) {
        self.link = link
        self.connection = connection
    }

    /// - Parameter servesNothing: the connection has no bootstrap capability, so the peer gets none.
    static func make(
        bootstrap: Capability? = nil,
        servesNothing: Bool = false,
        limits: RPCLimits = .default
    ) async throws -> RawPeer {
        let (left, right) = InMemoryTransport.pair()
        let capability = servesNothing ? nil : (bootstrap ?? TestServiceServer.make().1)
        let connection = RPCConnection(transport: right, bootstrap: capability, limits: limits)
        await connection.start()
        return RawPeer(link: left, connection: connection)
    }

    /// Sends a message built by `build` (on a fresh Message root).
    func inject(_ build: (Message.Builder) throws -> Void) throws {
        let message = MessageBuilder()
        try build(message.initRoot(Message.Builder.self))
        try link.injectToPeer(frame: message.serialize())
    }

    func bootstrap(question: UInt32) throws {
        try inject { message in message.initBootstrap().questionId = question }
    }

    /// Sends call `question`, TestService's `echo` of `text` (no parameters if nil), pipelined on the
    /// capability that answer `answer` returns.
    func echo(question: UInt32, on answer: UInt32, text: String? = nil) throws {
        try inject { message in
            let call = message.initCall()
            call.questionId = question
            call.interfaceId = TestService.interfaceID
            call.methodId = 0
            call.initTarget().initPromisedAnswer().questionId = answer
            let payload = call.initParams()
            if let text { payload.content.initStruct(dataWords: 0, pointerCount: 1).pointer(0).setText(text) }
        }
    }

    /// The next message from the connection (the suite's time limit catches a hang).
    func next() async throws -> Message.Reader {
        var iterator = link.incoming.makeAsyncIterator()
        guard let message = try await iterator.next() else {
            throw RPCError(.disconnected, "the connection ended")
        }
        return try message.root(as: Message.Reader.self)
    }

    func expectReturn(_ answerId: UInt32) async throws -> Return.Reader {
        while true {
            let message = try await next()
            if case .return(let ret) = try message.which, ret.answerId == answerId { return ret }
        }
    }

    /// Reads until an Abort, and gives its reason.
    func expectAbort() async throws -> String {
        while true {
            let message = try await next()
            if case .abort(let exception) = try message.which { return try exception.reason }
        }
    }

    /// A bootstrap and an echo call still get their answers.
    func expectStillServing() async throws {
        try bootstrap(question: 100)
        _ = try await expectReturn(100)
        try echo(question: 101, on: 100, text: "still here")
        let ret = try await expectReturn(101)
        guard case .results(let payload) = try ret.which else {
            throw RPCError(.failed, "echo after the bad message failed: \(try ret.which)")
        }
        let text = try payload.content.readStruct().pointer(0).readText()
        #expect(text == "still here")
    }
}
