// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore
import Synchronization

/// Hands the frames ``FrameDecoder`` cuts to the connection's reader as ``IncomingMessages``,
/// and stops reading from the socket while too many wait to be taken, so a slow reader exerts
/// backpressure on the peer (its TCP window fills) instead of buffering without bound.
///
/// It replaces `NIOAsyncChannel`'s inbound stream: that one's iterator always resumes on the
/// global executor, so an actor reading it paid a second thread hop per message.
///
/// `@unchecked Sendable`: `readPending` and `context` are used on the event loop only; the
/// counters are atomics and the continuation is thread safe. `taken()`, called by the reader
/// on any thread, only touches the atomics and schedules work on the event loop.
final class InboundFrameHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = MessageReader
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Frames waiting to be taken at which reading stops, and at which it resumes. Each frame
    /// is bounded by the ``ReaderOptions`` the decoder enforces.
    static let highWater = 32
    static let lowWater = 8

    private let continuation: AsyncThrowingStream<MessageReader, any Error>.Continuation
    private let waiting = Atomic<Int>(0)
    /// Set before `read` checks `waiting`, so a reader that drains to `lowWater` after the
    /// check sees it (sequentially consistent, paired with the reader's decrement).
    private let paused = Atomic<Bool>(false)
    private let eventLoop: any EventLoop
    private var readPending = false
    private var context: ChannelHandlerContext?

    private init(eventLoop: any EventLoop, continuation: AsyncThrowingStream<MessageReader, any Error>.Continuation) {
        self.eventLoop = eventLoop
        self.continuation = continuation
    }

    /// A handler for a channel on `eventLoop`, and the frames it will deliver.
    static func make(eventLoop: any EventLoop) -> (InboundFrameHandler, IncomingMessages) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: MessageReader.self)
        let handler = InboundFrameHandler(eventLoop: eventLoop, continuation: continuation)
        return (handler, IncomingMessages(stream) { [weak handler] in handler?.taken() })
    }

    /// Called by the reader after each frame it takes.
    private func taken() {
        let left = waiting.subtract(1, ordering: .sequentiallyConsistent).newValue
        guard left == Self.lowWater, paused.load(ordering: .sequentiallyConsistent) else { return }
        eventLoop.execute { self.resume() }
    }

    /// On the event loop: reads again if a read was held back.
    private func resume() {
        guard readPending, let context else { return }
        readPending = false
        paused.store(false, ordering: .sequentiallyConsistent)
        context.read()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        continuation.finish()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waiting.add(1, ordering: .sequentiallyConsistent)
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure =
            error as? NetworkError
            ?? NetworkError(.connectionClosed, "connection broken: \(error)", cause: error)
        continuation.finish(throwing: failure)
        context.fireErrorCaught(error)
    }

    func read(context: ChannelHandlerContext) {
        paused.store(true, ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .sequentiallyConsistent) >= Self.highWater {
            readPending = true
        } else {
            paused.store(false, ordering: .sequentiallyConsistent)
            context.read()
        }
    }
}
