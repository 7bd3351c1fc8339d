// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore
import Synchronization

/// An ``RPCTransport`` over one TCP or Unix connection (with or without TLS).
///
/// Made by ``VatConnection/run(_:)``, and valid only until the closure given to
/// ``VatNetwork/connect(to:_:)`` or ``VatListener/run(handler:)`` returns; then the connection
/// is closed. Reading `incoming` takes frames the event loop has decoded; while 32 wait
/// untaken the connection stops reading the socket, so a slow reader exerts backpressure on
/// the peer.
public struct NIORPCTransport: RPCTransport {
    /// The peer's frames, in order. Ends when the peer closes (or hangs up without TLS
    /// `close_notify`); fails with a ``NetworkError`` on a malformed frame or broken connection.
    /// Supports one consumer at a time.
    public let incoming: IncomingMessages
    /// Who the peer is: its key digest under TLS (the server's pinned key, or the client's
    /// certificate key), or ``SturdyRef/Authentication/insecure``.
    public let peer: SturdyRef.Authentication
    let writer: FrameWriter
    private var channel: any Channel { writer.channel }

    let inbound: InboundFrameHandler
    /// Whether the engine runs on the event loop: see ``executor``.
    private(set) var engineOnEventLoop: Bool

    init(
        incoming: IncomingMessages,
        inbound: InboundFrameHandler,
        writer: FrameWriter,
        peer: SturdyRef.Authentication,
        engineOnEventLoop: Bool
    ) {
        self.incoming = incoming
        self.inbound = inbound
        self.writer = writer
        self.peer = peer
        self.engineOnEventLoop = engineOnEventLoop
    }

    /// Hands each frame to `receiver` on the event loop as it is decoded, when the engine runs
    /// there (see ``executor``).
    public func deliver(to receiver: any RPCFrameReceiver) -> Bool {
        guard engineOnEventLoop else { return false }
        inbound.deliver(to: receiver)
        return true
    }

    /// Queues one frame (segment table included) without waiting; see ``FrameWriter``.
    ///
    /// - Throws: ``NetworkErrorCode/connectionClosed`` once the connection is closed.
    public func send(frame: [UInt8]) throws {
        try writer.send(byteCount: frame.count) { out in
            frame.withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }

    /// Frames `message` straight into the pending write buffer.
    public func send(message: MessageBuilder) throws {
        try writer.send(byteCount: message.frameByteCount) { message.writeFrame(into: $0) }
    }

    /// Sends what is queued, then closes the connection: later sends fail and `incoming` ends.
    public func close() async {
        await writer.close()
    }

    /// For a connection a listener accepted, the channel's event loop: the engine reads each
    /// frame, runs the call it carries and queues the reply there, with no thread switch, as
    /// C++ does; a server mostly answers calls. A dialed connection mostly carries calls made
    /// by its own tasks, which reach a pool-run actor without waking another thread (an event
    /// loop must be woken for each), so it has none and the engine picks its own.
    public var executor: (any RPCExecutor)? {
        engineOnEventLoop ? EventLoopRPCExecutor(channel.eventLoop) : nil
    }

    /// Runs `body` on the connection's event loop, with a transport whose engine runs there too:
    /// the way a C++ client works. A call made in `body` is written, and its reply read and
    /// handed back, with no thread switch at all; an engine on the loop with callers elsewhere
    /// would wake a thread both ways. Tasks `body` starts in a task group run there as well.
    /// `body` must not block: the loop serves its other connections in between.
    public func onEventLoop<Result: Sendable>(
        _ body: (NIORPCTransport) async throws -> Result
    ) async throws -> Result {
        var local = self
        local.engineOnEventLoop = true
        return try await withTaskExecutorPreference(EventLoopRPCExecutor(channel.eventLoop)) {
            try await body(local)
        }
    }

    /// The local and remote addresses, for logs.
    public var connectionDescription: String {
        "\(channel.localAddress.map { "\($0)" } ?? "?") <-> \(channel.remoteAddress.map { "\($0)" } ?? "?")"
    }
}

/// Queues outgoing frames and writes them on the event loop, several per system call.
///
/// A send from off the event loop appends the frame to one pending buffer; only the first
/// frame of a batch schedules a task on the event loop, which writes and flushes the whole
/// buffer. Frames sent while that task is pending (a burst of pipelined calls, a Return and
/// its Finish) thus share one wake-up and one `write`. Frames keep the order of `send`.
///
/// Sends never wait. What the socket does not take yet stays in NIO's write queue, without a
/// bound, as in libcapnp: the engine produces messages only for its callers and for the calls
/// it reads, and reading stops while the reader is behind (see ``InboundFrameHandler``).
final class FrameWriter: Sendable {
    private struct State {
        var pending: ByteBuffer?
        var closed = false
    }

    let channel: any Channel
    private let state = Mutex(State())

    init(channel: any Channel) {
        self.channel = channel
        channel.closeFuture.whenComplete { _ in self.state.withLock { $0.closed = true } }
    }

    /// Appends a frame of `byteCount` bytes, which `write` fills in place.
    func send(byteCount: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) throws {
        NetworkMetrics.shared.messageEnqueued()
        let first = try state.withLock { state throws(NetworkError) -> Bool in
            guard !state.closed else {
                throw NetworkError(.connectionClosed, "cannot send: the connection is closed")
            }
            let first = state.pending == nil
            // Taken out of the state, so the append does not copy the buffer.
            var buffer = state.pending.take() ?? channel.allocator.buffer(capacity: max(byteCount, 512))
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: byteCount) { out in
                write(UnsafeMutableRawBufferPointer(rebasing: out[..<byteCount]))
                return byteCount
            }
            state.pending = buffer
            return first
        }
        if first { channel.eventLoop.execute { self.flush() } }
    }

    /// On the event loop: writes the pending frames in one go.
    private func flush() {
        let buffer = state.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }
        if let buffer { channel.writeAndFlush(buffer, promise: nil) }
    }

    /// Refuses later sends, writes what is queued, closes the connection and waits for it.
    func close() async {
        state.withLock { $0.closed = true }
        let channel = channel
        channel.eventLoop.execute {
            self.flush()
            channel.close(promise: nil)
        }
        try? await channel.closeFuture.get()
    }
}
