// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Synchronization

/// The connection end the RPC fuzzer talks to: frames the engine sends are kept for the harness to
/// read, and the harness hands incoming messages straight to the engine on a ``ManualRPCExecutor``.
final class FuzzTransport: RPCTransport {
    let manual: ManualRPCExecutor
    let incoming: IncomingMessages
    private let continuation: AsyncThrowingStream<MessageReader, any Error>.Continuation
    private let state = Mutex<State>(State())

    private struct State {
        var receiver: (any RPCFrameReceiver)?
        var sent: [[UInt8]] = []
        var closed = false
    }

    init(executor: ManualRPCExecutor) {
        manual = executor
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: MessageReader.self)
        incoming = IncomingMessages(stream)
        self.continuation = continuation
    }

    var executor: (any RPCExecutor)? { manual }

    func deliver(to receiver: any RPCFrameReceiver) -> Bool {
        state.withLock { $0.receiver = receiver }
        return true
    }

    var receiver: (any RPCFrameReceiver)? { state.withLock { $0.receiver } }

    func send(frame: [UInt8]) throws {
        try state.withLock { state in
            if state.closed { throw InMemoryTransport.LinkBroken() }
            state.sent.append(frame)
        }
    }

    /// The frames sent since the last call.
    func takeSent() -> [[UInt8]] {
        state.withLock { state in
            defer { state.sent = [] }
            return state.sent
        }
    }

    /// Drops the receiver (the engine holds the transport, so keeping it would be a cycle).
    func close() async { shut() }

    func shut() {
        state.withLock { state in
            state.closed = true
            state.receiver = nil
        }
        continuation.finish()
    }
}
