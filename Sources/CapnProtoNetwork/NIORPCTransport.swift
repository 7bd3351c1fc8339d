// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore

/// An ``RPCTransport`` over one TCP or Unix connection (with or without TLS).
///
/// Made by ``VatConnection/run(_:)`` inside the connection's `executeThenClose` scope, so it
/// is valid only until the closure given to ``VatNetwork/connect(to:_:)`` or
/// ``VatListener/run(handler:)`` returns; then the connection is closed. Reading `incoming`
/// pulls frames straight from the channel, so a slow reader exerts backpressure on the peer.
public struct NIORPCTransport: RPCTransport {
    /// The peer's frames, in order. Ends when the peer closes (or hangs up without TLS
    /// `close_notify`); fails with a ``NetworkError`` on a malformed frame or broken connection.
    /// Like any `AsyncThrowingStream`, it supports a single consumer.
    public let incoming: AsyncThrowingStream<MessageReader, any Error>
    /// Who the peer is: its key digest under TLS (the server's pinned key, or the client's
    /// certificate key), or ``SturdyRef/Authentication/insecure``.
    public let peer: SturdyRef.Authentication
    private let outbound: NIOAsyncChannelOutboundWriter<[UInt8]>
    private let channel: any Channel

    init(
        inbound: NIOAsyncChannelInboundStream<MessageReader>,
        outbound: NIOAsyncChannelOutboundWriter<[UInt8]>,
        channel: any Channel,
        peer: SturdyRef.Authentication
    ) {
        let box = IteratorBox(inbound.makeAsyncIterator())
        self.incoming = AsyncThrowingStream {
            do {
                return try await box.next()
            } catch let error as NetworkError {
                throw error
            } catch {
                throw NetworkError(.connectionClosed, "connection broken: \(error)", cause: error)
            }
        }
        self.outbound = outbound
        self.channel = channel
        self.peer = peer
    }

    /// Sends one frame (segment table included).
    ///
    /// - Throws: ``NetworkError/Code/connectionClosed`` once the connection is closed.
    public func send(frame: [UInt8]) async throws {
        do {
            try await outbound.write(frame)
        } catch {
            throw NetworkError(.connectionClosed, "cannot send: the connection is closed", cause: error)
        }
    }

    /// Closes the connection: later sends fail and `incoming` ends.
    public func close() async {
        outbound.finish()
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    /// The local and remote addresses, for logs.
    public var connectionDescription: String {
        "\(channel.localAddress.map { "\($0)" } ?? "?") <-> \(channel.remoteAddress.map { "\($0)" } ?? "?")"
    }
}

/// Holds the inbound iterator for the `incoming` stream's unfolding closure.
///
/// `@unchecked Sendable`: `AsyncThrowingStream` allows one consumer and calls its unfolding
/// closure for one element at a time, so `iterator` is never used concurrently.
private final class IteratorBox: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<MessageReader>.AsyncIterator

    init(_ iterator: NIOAsyncChannelInboundStream<MessageReader>.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> MessageReader? {
        try await iterator.next()
    }
}
