// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A two-way channel of whole Cap'n Proto messages between two vats.
///
/// The RPC engine knows nothing of sockets, TLS or framing: the network layer (or an in-memory
/// pair in tests) implements this. Messages go out as serialized frames (standard framing,
/// segment table included) and come in as readers over frames already checked by
/// ``Framing``.
public protocol RPCTransport: Sendable {
    /// Queues one framed message for the peer and returns at once; frames go out in the order
    /// they were queued. Never waits: like libcapnp, a transport queues what the peer has not
    /// yet taken (the engine only produces messages on behalf of its callers and of the calls
    /// it has read, and reading is what the peer's backpressure limits).
    ///
    /// Not `async`, so the engine sends from inside its actor without a hop to another task.
    /// Throws once the transport is closed or broken.
    func send(frame: [UInt8]) throws

    /// Queues `message`, framed, as ``send(frame:)`` does. A transport that has a buffer of its
    /// own frames the message straight into it (one copy, no array in between).
    func send(message: MessageBuilder) throws

    /// The messages the peer sends, in order. Ends normally when the peer closes the
    /// connection, and with an error when it breaks or sends a malformed frame.
    var incoming: IncomingMessages { get }

    /// Sends what is queued, then closes the connection; later `send`s fail, `incoming` ends.
    func close() async

    /// Asks the transport to call `receiver` with each incoming message instead of queueing them
    /// in ``incoming``, on ``executor``'s thread, where the receiver's actor runs. Returns false if
    /// the transport cannot; then the engine reads ``incoming``. Messages that arrived before
    /// are delivered first.
    func deliver(to receiver: any RPCFrameReceiver) -> Bool

    /// Where the connection's engine should run: the thread that reads the socket, so that a
    /// frame is handled and its replies are queued without a hop to another thread (as in C++,
    /// where one event loop does all of it). `nil` runs the engine on Swift's cooperative pool.
    var executor: (any RPCExecutor)? { get }
}

extension RPCTransport {
    public func send(message: MessageBuilder) throws { try send(frame: message.serialize()) }
    public var executor: (any RPCExecutor)? { nil }
    public func deliver(to receiver: any RPCFrameReceiver) -> Bool { false }
}

/// Takes a transport's incoming messages as they arrive, on the transport's ``RPCTransport/executor``.
public protocol RPCFrameReceiver: AnyObject, Sendable {
    /// One message from the peer.
    func receive(_ message: MessageReader)
    /// The end of the messages: `nil` when the peer closed the connection, else why it broke.
    func receiveEnd(_ error: (any Error)?)
}

/// The messages a transport receives, in order, for one consumer at a time.
///
/// An `AsyncThrowingStream` with a hook the transport uses to learn that a message has been
/// taken (to resume reading from a socket it stopped reading when too many were waiting). Its
/// iterator passes the caller's isolation through, so an actor that reads it is resumed
/// directly on its own executor, not first on the global one.
public struct IncomingMessages: AsyncSequence, Sendable {
    public typealias Element = MessageReader
    public typealias Failure = any Error

    private let base: AsyncThrowingStream<MessageReader, any Error>
    private let started: (@Sendable () -> Void)?
    private let taken: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - base: the messages.
    ///   - started: called when a consumer starts iterating.
    ///   - taken: called after each message a consumer takes.
    public init(
        _ base: AsyncThrowingStream<MessageReader, any Error>,
        started: (@Sendable () -> Void)? = nil,
        taken: (@Sendable () -> Void)? = nil
    ) {
        self.base = base
        self.started = started
        self.taken = taken
    }

    public func makeAsyncIterator() -> AsyncIterator {
        started?()
        return AsyncIterator(base: base.makeAsyncIterator(), taken: taken)
    }

    /// Iterates over the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<MessageReader, any Error>.Iterator
        let taken: (@Sendable () -> Void)?

        public mutating func next(
            isolation actor: isolated (any Actor)? = #isolation
        ) async throws(any Error) -> MessageReader? {
            let message = try await base.next(isolation: actor)
            if message != nil { taken?() }
            return message
        }

        public mutating func next() async throws -> MessageReader? {
            try await next(isolation: nil)
        }
    }
}
