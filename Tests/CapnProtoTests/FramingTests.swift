// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import TestSupport
import Testing

/// The stream framing: segment table, incremental decoding, frame boundaries.
@Suite struct FramingTests {
    @Test(arguments: [1, 2, 3, 4, 7])
    func segmentTableLayout(segmentCount: Int) throws {
        let segments = (0..<segmentCount).map { [UInt8](repeating: UInt8($0 + 1), count: 8 * ($0 + 1)) }
        let frame = Framing.encode(segments: segments)
        let tableBytes = ((segmentCount + 2) / 2) * 8
        #expect(frame.count == tableBytes + segments.reduce(0) { $0 + $1.count })
        #expect(frame[0] == UInt8(segmentCount - 1))
        let layout = try #require(try frame.withUnsafeBytes { try Framing.layout(of: $0) })
        #expect(layout.frameLength == frame.count)
        #expect(layout.segments.map(\.length) == segments.map(\.count))
        #expect(layout.segments.first?.start == tableBytes)
        let reader = try Framing.decode(frame)
        #expect(reader.segmentCount == segmentCount)
    }

    @Test func layoutIsNilUntilTheFrameIsComplete() throws {
        let frame = RawSchema.sampleMessage(firstSegmentWords: 4, growth: .fixed).serialize()
        for length in 0..<frame.count {
            let layout = try Array(frame[..<length]).withUnsafeBytes { try Framing.layout(of: $0) }
            #expect(layout == nil, "prefix of \(length) bytes")
            let decoded = try Array(frame[..<length]).withUnsafeBytes { try Framing.decodePrefix($0) }
            #expect(decoded == nil, "prefix of \(length) bytes")
        }
        let layout = try frame.withUnsafeBytes { try Framing.layout(of: $0) }
        #expect(layout?.frameLength == frame.count)
    }

    @Test func decodePrefixStopsAtTheFrameEnd() throws {
        // Two frames back to back, as on a stream: each decodes with its exact length.
        let first = RawSchema.sampleMessage(firstSegmentWords: 4, growth: .fixed).serialize()
        let secondMessage = MessageBuilder()
        secondMessage.initRoot(dataWords: 1, pointerCount: 0).write(UInt64(77), at: 0)
        let second = secondMessage.serialize()
        let stream = first + second
        let (reader, length) = try #require(try stream.withUnsafeBytes { try Framing.decodePrefix($0) })
        #expect(length == first.count)
        try RawSchema.expectSample(try reader.root())
        let rest = Array(stream[length...])
        let (next, nextLength) = try #require(try rest.withUnsafeBytes { try Framing.decodePrefix($0) })
        #expect(nextLength == second.count)
        #expect(try next.root().read(UInt64.self, at: 0) == 77)
    }

    @Test func decodedMessageOutlivesInput() throws {
        var bytes = RawSchema.sampleMessage().serialize()
        let reader = try Framing.decode(bytes)
        bytes = [UInt8](repeating: 0xAA, count: bytes.count)
        try RawSchema.expectSample(try reader.root())
    }

    @Test func emptyFirstSegmentReadsAsDefaults() throws {
        let reader = try Framing.decode(Framing.encode(segments: [[UInt8]()]))
        let root = try reader.root()
        #expect(root.dataWordCount == 0)
        #expect(root.read(UInt64.self, at: 0) == 0)
        #expect(reader.rootPointer().isNull)
    }

    @Test func segmentLimitApplies() throws {
        let frame = Framing.encode(segments: [[UInt8]](repeating: [0, 0, 0, 0, 0, 0, 0, 0], count: 5))
        #expect(try Framing.decode(frame, options: ReaderOptions(segmentLimit: 5)).segmentCount == 5)
        let error = #expect(throws: CapnProtoError.self) {
            try Framing.decode(frame, options: ReaderOptions(segmentLimit: 4))
        }
        #expect(error?.code == .tooManySegments)
    }

    @Test func traversalLimitBoundsTheFrameSize() throws {
        let frame = Framing.encode(segments: [[UInt8](repeating: 0, count: 8 * 100)])
        #expect(try Framing.decode(frame, options: ReaderOptions(traversalLimitWords: 100)).segmentCount == 1)
        let error = #expect(throws: CapnProtoError.self) {
            try Framing.decode(frame, options: ReaderOptions(traversalLimitWords: 99))
        }
        #expect(error?.code == .segmentTooLarge)
    }

    /// A frame decoded from an array is read in place; changing or dropping the caller's array
    /// afterwards (which copies it or leaves the reader the only owner) does not reach the reader.
    @Test func arrayFramesSurviveTheCallersArray() throws {
        var bytes = RawSchema.sampleMessage().serialize()
        let reader = try Framing.decode(bytes)
        for index in bytes.indices { bytes[index] = 0xFF }
        bytes = []
        try RawSchema.expectSample(try reader.root())
    }

    @Test func borrowedSegmentsReadInPlace() throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: 3, growth: .fixed)
        let reader = message.withSegments { MessageReader(borrowing: $0, owner: message) }
        #expect(reader.segmentCount == message.segmentCount)
        try RawSchema.expectSample(try reader.root())
    }
}

extension FramingTests {
    static func frame(segmentCount: Int) -> [UInt8] {
        var segments = [[UInt8]](repeating: [], count: segmentCount)
        segments[0] = [UInt8](repeating: 0, count: 8)
        return Framing.encode(segments: segments)
    }

    @Test func defaultSegmentLimitMatchesCapnp() throws {
        // C++ capnp reads at most 511 segments.
        #expect(try Framing.decode(Self.frame(segmentCount: 511)).segmentCount == 511)
        let error = #expect(throws: CapnProtoError.self) { try Framing.decode(Self.frame(segmentCount: 512)) }
        #expect(error?.code == .tooManySegments)
        if RequiredTool.check("the capnp tool", CapnpTool.isAvailable) {
            #expect(try CapnpTool.decode(Self.frame(segmentCount: 511)).hasSuffix("choice = (none = void) )\n"))
        }
    }

    @Test func noSegmentsFrameAsOneEmptySegment() throws {
        let frame = Framing.encode(segments: [[UInt8]]())
        #expect(frame == [0, 0, 0, 0, 0, 0, 0, 0])
        let reader = try Framing.decode(frame)
        #expect(reader.segmentCount == 1)
        #expect(try reader.root().dataWordCount == 0)
    }
}
