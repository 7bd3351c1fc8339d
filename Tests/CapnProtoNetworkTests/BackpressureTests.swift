// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A peer that sends calls and never reads their replies must not make a vat queue replies without
/// bound: once the socket stops taking them, the vat stops reading the peer's calls.
@Suite(.timeLimit(.minutes(1))) struct BackpressureTests {
    @Test func aPeerThatDoesNotReadItsRepliesIsNotRead() async throws {
        let vat = try ConnectionLimitTests.vat(ConnectionLimits(bootstrapTimeout: nil))
        try await withServing(vat) {
            let ref = try vat.add(service: TestServiceServer.make().1, name: "echo")
            let socket = try RawSocket(port: try #require(vat.port))
            try socket.send(
                Self.frame { message in
                    let bootstrap = message.initBootstrap()
                    bootstrap.questionId = 0
                    ref.serviceID.bytes.withUnsafeBytes { bootstrap.deprecatedObjectId.setBytes($0, terminator: true) }
                }
            )
            // Echo calls of 64 KiB each (a reply as big), sent without reading anything back.
            let text = String(repeating: "x", count: 64 * 1024)
            var sent = 0
            var accepted = 0
            let budget = 160 * 1024 * 1024
            let deadline = ContinuousClock.now + .seconds(20)
            var question: UInt32 = 1
            while sent < budget, ContinuousClock.now < deadline {
                let call = Self.frame { message in
                    let call = message.initCall()
                    call.questionId = question
                    call.interfaceId = TestService.interfaceID
                    call.methodId = 0
                    call.initTarget().initPromisedAnswer().questionId = 0
                    let params = call.initParams().content.initStruct(dataWords: 0, pointerCount: 1)
                    params.pointer(0).setText(text)
                }
                if try socket.sendWithoutWaiting(call) {
                    sent += call.count
                    accepted += 1
                    question += 1
                } else {
                    // The socket is full: wait a little for the vat to read on (if it still does).
                    try await Task.sleep(for: .milliseconds(50))
                    if try !socket.sendWithoutWaiting(call) { break }
                    sent += call.count
                    accepted += 1
                    question += 1
                }
            }
            // What the kernel buffers on both sides, plus what the vat read before its socket filled;
            // without backpressure the vat would read all 160 MiB and hold the replies.
            #expect(
                sent < budget / 2,
                "the vat read \(sent / 1_048_576) MiB (\(accepted) calls) of calls it could not answer"
            )
        }
    }

    static func frame(_ build: (Message.Builder) -> Void) -> [UInt8] {
        let message = MessageBuilder()
        build(message.initRoot(Message.Builder.self))
        return message.serialize()
    }
}

extension RawSocket {
    /// Sends all of `bytes` if the socket takes them now (false, having sent none of a frame the
    /// socket had no room for at first, is only possible before the first byte).
    func sendWithoutWaiting(_ bytes: [UInt8]) throws -> Bool {
        var offset = 0
        var waited = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if count > 0 {
                offset += count
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw RPCError(.failed, "send: errno \(errno)") }
            if offset == 0 { return false }
            // Part of a frame is out: finish it, or give up after a while (the vat stopped reading).
            waited += 1
            if waited > 100 { return true }
            usleep(10_000)
        }
        return true
    }
}
