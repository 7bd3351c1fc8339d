// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import NIOCore

/// Cuts the byte stream into whole Cap'n Proto frames (standard framing, no packing).
///
/// Frames may be split across reads or several may share one; each is emitted once complete,
/// as a ``MessageReader`` over its own copy. A segment table that declares more segments or
/// words than ``ReaderOptions`` allows is refused as soon as the table arrives, so a peer
/// cannot make the reader buffer more than one bounded frame. The error reaches the pipeline
/// as a ``NetworkErrorCode/malformedFrame`` and ``CloseOnErrorHandler`` closes the connection.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = MessageReader

    /// Limits applied to every frame and to the readers made from them.
    let options: ReaderOptions
    /// Part of a frame has arrived, but not all of it (see ``FrameProgress``).
    private var inProgress = false

    init(options: ReaderOptions = .default) {
        self.options = options
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let options = options
        let decoded: (MessageReader, Int)?
        do {
            decoded = try buffer.withUnsafeReadableBytes { try Framing.decodePrefix($0, options: options) }
        } catch {
            throw NetworkError(.malformedFrame, "malformed frame from peer: \(error)", cause: error)
        }
        guard let (reader, length) = decoded else {
            if !inProgress, buffer.readableBytes > 0 {
                inProgress = true
                context.fireUserInboundEventTriggered(FrameProgress.started)
            }
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: length)
        if inProgress {
            inProgress = false
            context.fireUserInboundEventTriggered(FrameProgress.completed)
        }
        context.fireChannelRead(wrapInboundOut(reader))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if seenEOF, buffer.readableBytes > 0 {
            let count = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: count)
            throw NetworkError(.connectionClosed, "connection closed inside a frame (\(count) bytes left over)")
        }
        return .needMoreData
    }
}

/// Events ``FrameDecoder`` sends up the pipeline so that ``ReadDeadlineHandler`` can time a frame
/// that arrives in pieces.
enum FrameProgress {
    /// The first bytes of a frame arrived without the rest.
    case started
    /// The frame that had started is whole.
    case completed
}
