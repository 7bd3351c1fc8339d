// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore
import Synchronization

/// Hands the frames ``FrameDecoder`` cuts to the connection's reader, in one of two ways:
///
/// - straight to an ``RPCFrameReceiver`` running on this event loop (an ``RPCConnection``
///   whose actor runs here), with no queue and no thread switch, as C++ does;
/// - or as ``IncomingMessages``, stopping reading from the socket while too many wait to be
///   taken, so a slow reader exerts backpressure on the peer (its TCP window fills) instead of
///   buffering without bound.
///
/// Either way, reading also stops while the peer does not read what we send (the channel is not
/// writable), so a peer cannot make us queue replies without bound.
///
/// Until a consumer picks one, frames are held here (reading stops at the same limit).
///
/// `@unchecked Sendable`: `mode`, `readPending` and `context` are used on the event loop only;
/// the counters are atomics and the continuation is thread safe. `taken()`, called by the reader
/// on any thread, only touches the atomics and schedules work on the event loop.
final class InboundFrameHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = MessageReader
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Frames waiting to be taken at which reading stops, and at which it resumes. Each frame
    /// is bounded by the ``ReaderOptions`` the decoder enforces.
    static let highWater = 32
    static let lowWater = 8

    private enum Mode {
        /// No consumer yet: frames and the end wait here.
        case undecided([MessageReader], end: (any Error)??)
        case stream
        case direct(any RPCFrameReceiver)
        case finished
    }

    private let continuation: AsyncThrowingStream<MessageReader, any Error>.Continuation
    private let waiting = Atomic<Int>(0)
    /// Set before `read` checks `waiting`, so a reader that drains to `lowWater` after the
    /// check sees it (sequentially consistent, paired with the reader's decrement).
    private let paused = Atomic<Bool>(false)
    let eventLoop: any EventLoop
    private var mode = Mode.undecided([], end: nil)
    private var readPending = false
    private var context: ChannelHandlerContext?

    private init(eventLoop: any EventLoop, continuation: AsyncThrowingStream<MessageReader, any Error>.Continuation) {
        self.eventLoop = eventLoop
        self.continuation = continuation
    }

    /// A handler for a channel on `eventLoop`, and the frames it will deliver if iterated.
    static func make(eventLoop: any EventLoop) -> (InboundFrameHandler, IncomingMessages) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: MessageReader.self)
        let handler = InboundFrameHandler(eventLoop: eventLoop, continuation: continuation)
        let incoming = IncomingMessages(
            stream,
            // Strong: a handler already removed from its pipeline still holds frames to pass on.
            started: { handler.eventLoop.execute { handler.choose(.stream) } },
            taken: { [weak handler] in handler?.taken() }
        )
        return (handler, incoming)
    }

    /// From now on, calls `receiver` on the event loop with each frame. Any thread.
    func deliver(to receiver: any RPCFrameReceiver) {
        eventLoop.execute { self.choose(.direct(receiver)) }
    }

    /// On the event loop: settles how frames go out, and passes on those held so far.
    private func choose(_ chosen: Mode) {
        guard case .undecided(let held, let end) = mode else { return }
        mode = chosen
        // The held frames were counted as waiting; passing them on counts them again if they
        // wait in the stream.
        waiting.store(0, ordering: .sequentiallyConsistent)
        for message in held { pass(message) }
        if let end { finish(end) }
        if case .direct = chosen { resume() }
    }

    /// Called by a stream reader after each frame it takes.
    private func taken() {
        let left = waiting.subtract(1, ordering: .sequentiallyConsistent).newValue
        guard left == Self.lowWater, paused.load(ordering: .sequentiallyConsistent) else { return }
        eventLoop.execute { self.resume() }
    }

    /// On the event loop: reads again if a read was held back.
    private func resume() {
        guard readPending, let context else { return }
        readPending = false
        attemptRead(context: context)
    }

    private func pass(_ message: MessageReader) {
        switch mode {
        case .undecided(var held, let end):
            waiting.add(1, ordering: .sequentiallyConsistent)
            mode = .finished  // drops the array's other reference so the append does not copy
            held.append(message)
            mode = .undecided(held, end: end)
        case .stream:
            waiting.add(1, ordering: .sequentiallyConsistent)
            continuation.yield(message)
        case .direct(let receiver):
            receiver.receive(message)
        case .finished:
            break
        }
    }

    /// Ends delivery: `error` is nil for a clean end.
    private func finish(_ error: (any Error)?) {
        switch mode {
        case .undecided(let held, let end):
            if end == nil { mode = .undecided(held, end: .some(error)) }
        case .stream:
            mode = .finished
            continuation.finish(throwing: error)
        case .direct(let receiver):
            mode = .finished
            receiver.receiveEnd(error)
        case .finished:
            break
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        finish(nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        NetworkMetrics.shared.messageReceived()
        pass(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure =
            error as? NetworkError
            ?? NetworkError(.connectionClosed, "connection broken: \(error)", cause: error)
        finish(failure)
        context.fireErrorCaught(error)
    }

    func read(context: ChannelHandlerContext) {
        attemptRead(context: context)
    }

    /// Reads unless the reader is behind or the peer is not reading our replies: while the socket
    /// will not take more (NIO's write buffer is over its high water mark), what the peer sends
    /// would only make more replies to hold, so its calls wait in its own buffers instead.
    private func attemptRead(context: ChannelHandlerContext) {
        guard context.channel.isWritable else {
            readPending = true
            return
        }
        if case .direct = mode { return context.read() }
        paused.store(true, ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .sequentiallyConsistent) >= Self.highWater {
            readPending = true
        } else {
            paused.store(false, ordering: .sequentiallyConsistent)
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resume() }
        context.fireChannelWritabilityChanged()
    }
}
