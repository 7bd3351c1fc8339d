// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Synchronization

/// One end of an in-process connection for RPC tests.
///
/// Frames are really serialized and parsed again (so framing and limits are exercised), and
/// the link can be broken on purpose to test disconnect handling.
public final class InMemoryTransport: RPCTransport {
    /// Thrown by a broken link.
    public typealias LinkBroken = CodedError<LinkBrokenCode>

    /// The one kind of ``LinkBroken``.
    public enum LinkBrokenCode: ErrorCode {
        case linkBroken
    }

    public let incoming: IncomingMessages
    private let inbox: AsyncThrowingStream<MessageReader, any Error>.Continuation
    private let peer = Mutex<InMemoryTransport?>(nil)
    private let closed = Mutex(false)
    /// Frames sent so far (for tests that look at traffic).
    public let sentFrames = Mutex<Int>(0)

    private init() {
        let (stream, inbox) = AsyncThrowingStream.makeStream(of: MessageReader.self)
        (incoming, self.inbox) = (IncomingMessages(stream), inbox)
    }

    /// Two connected ends.
    public static func pair() -> (InMemoryTransport, InMemoryTransport) {
        let left = InMemoryTransport()
        let right = InMemoryTransport()
        left.peer.withLock { $0 = right }
        right.peer.withLock { $0 = left }
        return (left, right)
    }

    public func send(frame: [UInt8]) throws {
        guard !closed.withLock({ $0 }), let peer = peer.withLock({ $0 }) else { throw LinkBroken() }
        sentFrames.withLock { $0 += 1 }
        peer.deliver(try Framing.decode(frame))
    }

    private func deliver(_ message: MessageReader) { inbox.yield(message) }

    public func close() async {
        closed.withLock { $0 = true }
        let peer = peer.withLock { peer in
            defer { peer = nil }
            return peer
        }
        inbox.finish()
        peer?.inbox.finish()
    }

    /// Breaks the link in both directions: each side's `incoming` fails.
    public func breakLink() {
        closed.withLock { $0 = true }
        let peer = peer.withLock { peer in
            defer { peer = nil }
            return peer
        }
        inbox.finish(throwing: LinkBroken())
        peer?.closed.withLock { $0 = true }
        peer?.inbox.finish(throwing: LinkBroken())
    }

    /// Makes this end's sends fail while its `incoming` goes on: a socket closed under a reader
    /// that has not read the end yet (NIO reports the close to writers first).
    public func failSends() {
        closed.withLock { $0 = true }
    }

    /// Hands the peer a raw frame, bypassing the RPC engine (for malformed-message tests).
    public func injectToPeer(frame: [UInt8]) throws {
        guard let peer = peer.withLock({ $0 }) else { throw LinkBroken() }
        peer.deliver(try Framing.decode(frame))
    }
}

extension InMemoryTransport.LinkBroken {
    /// The link is broken.
    public init() { self.init(.linkBroken, "the in-memory link was broken") }
}
