// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import NIOCore
import NIOEmbedded
import Testing

@testable import CapnProtoNetwork

@Suite struct FrameDecoderTests {
    private func makeChannel(options: ReaderOptions = .default) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(FrameDecoder(options: options)),
            CloseOnErrorHandler()
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func readValues(_ channel: EmbeddedChannel) throws -> [UInt64] {
        var values: [UInt64] = []
        while let reader = try channel.readInbound(as: MessageReader.self) {
            values.append(try value(of: reader))
        }
        return values
    }

    @Test func severalFramesInOneBuffer() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: frame(1) + frame(2) + frame(3)))
        #expect(try readValues(channel) == [1, 2, 3])
        #expect(try channel.finish().isClean)
    }

    @Test func framesSplitAtEveryByte() throws {
        let channel = try makeChannel()
        let bytes = frame(41) + frame(42)
        var seen: [UInt64] = []
        for byte in bytes {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            seen += try readValues(channel)
        }
        #expect(seen == [41, 42])
    }

    @Test func multiSegmentFrame() throws {
        // Segment 0 holds a far pointer to a struct (1 data word) in segment 1 whose landing
        // pad is the struct pointer itself.
        let segment0: [UInt8] = [0x02, 0, 0, 0, 0x01, 0, 0, 0]
        let segment1: [UInt8] = [0, 0, 0, 0, 1, 0, 0, 0] + [7, 0, 0, 0, 0, 0, 0, 0]
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: Framing.encode(segments: [segment0, segment1])))
        #expect(try readValues(channel) == [7])
    }

    @Test func tooManySegmentsClosesTheConnection() throws {
        let channel = try makeChannel()
        // Segment count − 1 = 0xFFFFFFFF: over four billion segments declared.
        let error = #expect(throws: NetworkError.self) {
            try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]))
        }
        #expect(error?.code == .malformedFrame)
        #expect(!channel.isActive)
    }

    @Test func hugeSegmentIsRefusedBeforeItArrives() throws {
        let channel = try makeChannel()
        // One segment of 2^31 − 1 words (16 GiB): refused from the 8-byte table alone.
        let error = #expect(throws: NetworkError.self) {
            try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F]))
        }
        #expect(error?.code == .malformedFrame)
        #expect(!channel.isActive)
    }

    @Test func readerOptionsBoundTheFrame() throws {
        let channel = try makeChannel(options: ReaderOptions(traversalLimitWords: 16, segmentLimit: 2))
        try channel.writeInbound(ByteBuffer(bytes: frame(5)))
        #expect(try readValues(channel) == [5])
        let tooBig = Framing.encode(segments: [[UInt8](repeating: 0, count: 17 * 8)])
        #expect(throws: NetworkError(.malformedFrame, "")) { try channel.writeInbound(ByteBuffer(bytes: tooBig)) }
        #expect(!channel.isActive)
    }

    @Test func tooManySegmentsForTheOptions() throws {
        let channel = try makeChannel(options: ReaderOptions(segmentLimit: 2))
        let three = Framing.encode(segments: [[UInt8](repeating: 0, count: 8), [], []])
        #expect(throws: NetworkError(.malformedFrame, "")) { try channel.writeInbound(ByteBuffer(bytes: three)) }
        #expect(!channel.isActive)
    }

    @Test func endOfStreamInsideAFrameIsAnError() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: Array(frame(3).prefix(12))))
        #expect(try readValues(channel).isEmpty)
        #expect(throws: NetworkError(.connectionClosed, "")) { _ = try channel.finish() }
    }
}
