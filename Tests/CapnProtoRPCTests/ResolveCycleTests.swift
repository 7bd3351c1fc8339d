// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import Testing

/// A peer that resolves its promises into a cycle must not make a call go round it forever (found
/// by the RPC fuzzer: a call on the promise hung the connection's thread).
@Suite(.timeLimit(.minutes(1))) struct ResolveCycleTests {
    @Test func aPromiseResolvedToItselfFailsCallsOnIt() async throws {
        let peer = try await RawPeer.make()
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try await hold(peer, question: 1, promises: [5])
        try peer.inject { message in
            let resolve = message.initResolve()
            resolve.promiseId = 5
            resolve.initCap().senderHosted = 5
        }
        let reason = try await callHeld(peer, question: 2)
        #expect(reason.contains("resolved promise 5 to itself"), "\(reason)")
        try await peer.expectStillServing()
    }

    @Test func twoPromisesResolvedToEachOtherFailCallsOnThem() async throws {
        let peer = try await RawPeer.make()
        try peer.bootstrap(question: 0)
        _ = try await peer.expectReturn(0)
        try await hold(peer, question: 1, promises: [5])
        // 5 resolves to a new promise 6 (which that resolution keeps imported), and 6 back to 5.
        try peer.inject { message in
            let resolve = message.initResolve()
            resolve.promiseId = 5
            resolve.initCap().senderPromise = 6
        }
        try peer.inject { message in
            let resolve = message.initResolve()
            resolve.promiseId = 6
            resolve.initCap().senderHosted = 5
        }
        let reason = try await callHeld(peer, question: 2)
        #expect(reason.contains("resolved promise 6 to itself"), "\(reason)")
        try await peer.expectStillServing()
    }

    /// hold(callback: the first of `promises`), with every promise in the capability table.
    private func hold(_ peer: RawPeer, question: UInt32, promises: [UInt32]) async throws {
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = question
            call.interfaceId = TestService.interfaceID
            call.methodId = 6
            call.initTarget().initPromisedAnswer().questionId = 0
            let payload = call.initParams()
            payload.content.initStruct(dataWords: 0, pointerCount: 1).pointer(0).setCapability(0)
            let table = payload.initCapTable(count: promises.count)
            for (index, id) in promises.enumerated() { table[index].senderPromise = id }
        }
        guard case .results = try await peer.expectReturn(question).which else {
            throw RPCError(.failed, "hold failed")
        }
    }

    /// callHeld(value: 1); the reason of the exception it returns.
    private func callHeld(_ peer: RawPeer, question: UInt32) async throws -> String {
        try peer.inject { message in
            let call = message.initCall()
            call.questionId = question
            call.interfaceId = TestService.interfaceID
            call.methodId = 8
            call.initTarget().initPromisedAnswer().questionId = 0
            call.initParams().content.initStruct(dataWords: 1, pointerCount: 0).write(Int64(1), at: 0)
        }
        guard case .exception(let exception) = try await peer.expectReturn(question).which else {
            throw RPCError(.failed, "callHeld did not fail")
        }
        return try exception.reason
    }
}
