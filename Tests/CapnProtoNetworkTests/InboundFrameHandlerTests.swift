// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import CapnProtoNetwork

/// The inbound side without sockets: frames reach `incoming` in order, and a reader that falls
/// behind stops the reads from the socket until it catches up.
@Suite struct InboundFrameHandlerTests {
    /// Counts the read requests that get past the handlers to the socket.
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = ByteBuffer
        let reads = Atomic<Int>(0)

        func read(context: ChannelHandlerContext) {
            reads.add(1, ordering: .relaxed)
            context.read()
        }
    }

    private func makeChannel() async throws -> (NIOAsyncTestingChannel, ReadCounter, IncomingMessages) {
        let channel = NIOAsyncTestingChannel()
        let counter = ReadCounter()
        let (handler, incoming) = InboundFrameHandler.make(eventLoop: channel.eventLoop)
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandlers(
                counter,
                ByteToMessageHandler(FrameDecoder()),
                CloseOnErrorHandler(),
                handler
            )
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        return (channel, counter, incoming)
    }

    @Test func framesArriveInOrderAndEndWithTheConnection() async throws {
        let (channel, _, incoming) = try await makeChannel()
        try await channel.writeInbound(ByteBuffer(bytes: frame(1) + frame(2)))
        try await channel.writeInbound(ByteBuffer(bytes: frame(3)))
        try await channel.close()
        var values: [UInt64] = []
        for try await message in incoming { values.append(try value(of: message)) }
        #expect(values == [1, 2, 3])
    }

    @Test func aSlowReaderHoldsBackReadsUntilItCatchesUp() async throws {
        let (channel, counter, incoming) = try await makeChannel()
        channel.read()
        await channel.testingEventLoop.run()
        #expect(counter.reads.load(ordering: .relaxed) == 1)
        let count = InboundFrameHandler.highWater + 4
        try await channel.writeInbound(ByteBuffer(bytes: (1...UInt64(count)).flatMap { frame($0) }))
        // Too many frames wait: the socket is not read.
        channel.read()
        await channel.testingEventLoop.run()
        #expect(counter.reads.load(ordering: .relaxed) == 1)

        var iterator = incoming.makeAsyncIterator()
        for expected in 1...UInt64(count - InboundFrameHandler.lowWater - 1) {
            #expect(try await iterator.next().map(value(of:)) == expected)
        }
        await channel.testingEventLoop.run()
        #expect(counter.reads.load(ordering: .relaxed) == 1)
        // Down to the low-water mark: the held-back read goes through.
        _ = try await iterator.next()
        await channel.testingEventLoop.run()
        #expect(counter.reads.load(ordering: .relaxed) == 2)
        // And later reads pass straight through.
        channel.read()
        await channel.testingEventLoop.run()
        #expect(counter.reads.load(ordering: .relaxed) == 3)
        _ = try await channel.finish()
    }

    @Test func aMalformedFrameFailsTheStreamAndClosesTheConnection() async throws {
        let (channel, _, incoming) = try await makeChannel()
        try await channel.writeInbound(ByteBuffer(bytes: frame(7)))
        await #expect(throws: NetworkError.self) {
            // Segment count − 1 = 0xFFFFFFFF: over four billion segments declared.
            try await channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]))
        }
        var iterator = incoming.makeAsyncIterator()
        #expect(try await iterator.next().map(value(of:)) == 7)
        let error = await #expect(throws: NetworkError.self) { try await iterator.next() }
        #expect(error?.code == .malformedFrame)
        try await channel.closeFuture.get()
    }
}
