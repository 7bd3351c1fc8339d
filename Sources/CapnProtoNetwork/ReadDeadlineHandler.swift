// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import NIOCore

/// Drops a connection whose peer is too slow to be anything but hostile: an accepted connection
/// that sends no Bootstrap within the bootstrap timeout, or a frame that does not arrive whole
/// within the frame timeout (a peer could otherwise pin a buffer, or a descriptor, for ever).
/// The peer gets an Abort saying why; the drop is logged and counted.
final class ReadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = MessageReader
    typealias InboundOut = MessageReader
    typealias OutboundOut = ByteBuffer

    private let bootstrapTimeout: TimeAmount?
    private let frameTimeout: TimeAmount?
    private let dropped: ConnectionDrops
    private var bootstrapTimer: Scheduled<Void>?
    private var frameTimer: Scheduled<Void>?
    private var bootstrapped = false

    /// What a connection's handler is made from.
    struct Settings: Sendable {
        let bootstrapTimeout: TimeAmount?
        let frameTimeout: TimeAmount?
        let drops: ConnectionDrops

        /// - Parameter accepted: false for connections we dialled, whose peer never bootstraps.
        init(limits: ConnectionLimits, accepted: Bool, drops: ConnectionDrops) {
            bootstrapTimeout = accepted ? limits.bootstrapTimeout.map { TimeAmount($0) } : nil
            frameTimeout = limits.frameTimeout.map { TimeAmount($0) }
            self.drops = drops
        }

        func makeHandler() -> ReadDeadlineHandler {
            ReadDeadlineHandler(bootstrapTimeout: bootstrapTimeout, frameTimeout: frameTimeout, dropped: drops)
        }
    }

    /// - Parameter bootstrapTimeout: nil for connections we dialled (the peer never bootstraps).
    init(bootstrapTimeout: TimeAmount?, frameTimeout: TimeAmount?, dropped: ConnectionDrops) {
        self.bootstrapTimeout = bootstrapTimeout
        self.frameTimeout = frameTimeout
        self.dropped = dropped
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let bootstrapTimeout else {
            bootstrapped = true
            return
        }
        bootstrapTimer = schedule(in: bootstrapTimeout, context: context) { handler, context in
            handler.drop(
                context: context,
                reason: .bootstrapTimeout,
                message: "no Bootstrap within \(Self.describe(bootstrapTimeout))"
            )
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        bootstrapTimer?.cancel()
        frameTimer?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        bootstrapTimer?.cancel()
        frameTimer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !bootstrapped {
            let message = unwrapInboundIn(data)
            if let root = try? message.root(as: Message.Reader.self), case .bootstrap = try? root.which {
                bootstrapped = true
                bootstrapTimer?.cancel()
                bootstrapTimer = nil
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let progress = event as? FrameProgress else { return context.fireUserInboundEventTriggered(event) }
        switch progress {
        case .started:
            guard let frameTimeout else { return }
            frameTimer?.cancel()
            frameTimer = schedule(in: frameTimeout, context: context) { handler, context in
                handler.drop(
                    context: context,
                    reason: .frameTimeout,
                    message: "a frame took longer than \(Self.describe(frameTimeout)) to arrive"
                )
            }
        case .completed:
            frameTimer?.cancel()
            frameTimer = nil
        }
    }

    private func schedule(
        in delay: TimeAmount,
        context: ChannelHandlerContext,
        _ body: @escaping @Sendable (ReadDeadlineHandler, ChannelHandlerContext) -> Void
    ) -> Scheduled<Void> {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            body(handler, context)
        }
    }

    /// Tells the peer why (an Abort), then closes.
    private func drop(context: ChannelHandlerContext, reason: ConnectionDrops.Reason, message: String) {
        guard context.channel.isActive else { return }
        let error = RPCError(.overloaded, message)
        dropped.record(reason, peer: context.channel.remoteAddress.map { "\($0)" } ?? "?", error: error)
        let frame = RPCConnection.abortFrame(error)
        var buffer = context.channel.allocator.buffer(capacity: frame.count)
        buffer.writeBytes(frame)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.close(promise: nil)
    }

    private static func describe(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
