// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import CapnProtoNetwork

/// The inbound side without sockets: frames reach `incoming` (or a receiver) in order, and a
/// stream reader that falls behind stops the reads from the socket until it catches up.
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

    /// Records what a direct receiver is given.
    final class Receiver: RPCFrameReceiver {
        let values = Mutex<[UInt64]>([])
        let end = Mutex<String?>(nil)

        func receive(_ message: MessageReader) {
            let read = (try? message.root().read(UInt64.self, at: 0)) ?? .max
            values.withLock { $0.append(read) }
        }

        func receiveEnd(_ error: (any Error)?) {
            end.withLock { $0 = error.map { "\($0)" } ?? "closed" }
        }
    }

    private func makeChannel() async throws -> (NIOAsyncTestingChannel, ReadCounter, IncomingMessages) {
        let (channel, counter, incoming, _) = try await makeChannelAndHandler()
        return (channel, counter, incoming)
    }

    private func makeChannelAndHandler() async throws -> (
        NIOAsyncTestingChannel, ReadCounter, IncomingMessages, InboundFrameHandler
    ) {
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
        return (channel, counter, incoming, handler)
    }

    @Test func framesArriveInOrderAndEndWithTheConnection() async throws {
        let (channel, _, incoming) = try await makeChannel()
        try await channel.writeInbound(ByteBuffer(bytes: frame(1) + frame(2)))
        try await channel.writeInbound(ByteBuffer(bytes: frame(3)))
        try await channel.close()
        var values: [UInt64] = []
        // Starting to iterate picks the stream, on the event loop; the frames held so far follow.
        var iterator = incoming.makeAsyncIterator()
        await channel.testingEventLoop.run()
        while let message = try await iterator.next() { values.append(try value(of: message)) }
        #expect(values == [1, 2, 3])
    }

    @Test func aReceiverGetsHeldFramesThenEachNewOneAndTheEnd() async throws {
        let (channel, counter, _, handler) = try await makeChannelAndHandler()
        try await channel.writeInbound(ByteBuffer(bytes: frame(1) + frame(2)))
        let receiver = Receiver()
        handler.deliver(to: receiver)
        await channel.testingEventLoop.run()
        #expect(receiver.values.withLock { $0 } == [1, 2])
        // Frames now go straight through, and reads are never held back.
        let count = InboundFrameHandler.highWater + 4
        try await channel.writeInbound(ByteBuffer(bytes: (3...UInt64(count)).flatMap { frame($0) }))
        #expect(receiver.values.withLock { $0 } == Array(1...UInt64(count)))
        channel.read()
        await channel.testingEventLoop.run()
        #expect(counter.reads.load(ordering: .relaxed) == 1)
        #expect(receiver.end.withLock { $0 } == nil)
        try await channel.close()
        #expect(receiver.end.withLock { $0 } == "closed")
    }

    @Test func aReceiverLearnsOfAMalformedFrame() async throws {
        let (channel, _, _, handler) = try await makeChannelAndHandler()
        let receiver = Receiver()
        handler.deliver(to: receiver)
        await channel.testingEventLoop.run()
        try await channel.writeInbound(ByteBuffer(bytes: frame(5)))
        await #expect(throws: NetworkError.self) {
            try await channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]))
        }
        #expect(receiver.values.withLock { $0 } == [5])
        #expect(receiver.end.withLock { $0 }?.contains("malformed") == true)
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
        await channel.testingEventLoop.run()
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
        await channel.testingEventLoop.run()
        #expect(try await iterator.next().map(value(of:)) == 7)
        let error = await #expect(throws: NetworkError.self) { try await iterator.next() }
        #expect(error?.code == .malformedFrame)
        try await channel.closeFuture.get()
    }
}
