// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import TestSupport
import Testing

/// Messages spread over several segments: far and double-far pointers, written and read.
@Suite struct MultiSegmentTests {
    static let kindFar: UInt64 = 2
    static let doubleFarBit: UInt64 = 4

    @Test(arguments: [1, 2, 3, 4, 5, 8, 13, 20])
    func fixedSegmentsReadBack(firstSegmentWords: Int) throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: firstSegmentWords, growth: .fixed)
        #expect(message.segmentCount > 1)
        let reader = try Framing.decode(message.serialize())
        #expect(reader.segmentCount == message.segmentCount)
        try RawSchema.expectSample(try reader.root())
    }

    @Test(arguments: [1, 2, 3, 5, 13])
    func aBuildersReaderCopiesEverySegment(firstSegmentWords: Int) throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: firstSegmentWords, growth: .fixed)
        let reader = message.reader()
        #expect(reader.segmentCount == message.segmentCount)
        try RawSchema.expectSample(try reader.root())
        // A copy: writing to the builder afterwards leaves the reader as it was.
        message.initRoot(dataWords: 1, pointerCount: 0).write(UInt64(7), at: 0)
        try RawSchema.expectSample(try reader.root())
    }

    @Test(
        .requires("the capnp tool", CapnpTool.isAvailable),
        arguments: [1, 2, 3, 4, 5, 8, 13, 20]
    )
    func fixedSegmentsDecodeInCapnp(firstSegmentWords: Int) throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: firstSegmentWords, growth: .fixed)
        #expect(message.segmentCount > 1)
        #expect(try CapnpTool.decode(message.serialize()) == RawSchema.sampleDecoded)
        #expect(try CapnpTool.decode(message.serializePacked(), packed: true) == RawSchema.sampleDecoded)
    }

    @Test func heuristicGrowthAddsLargerSegments() throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: 2, growth: .heuristic)
        #expect(message.segmentCount > 1)
        let sizes = message.segmentBytes().map(\.count)
        #expect(sizes.count < 6, "segments double, so few are needed: \(sizes)")
        try RawSchema.expectSample(try Framing.decode(message.serialize()).root())
    }

    @Test func rootInFullSegmentUsesDoubleFarPointer() throws {
        // Segment 0 holds only the root pointer; the 14-word root fills segment 1 exactly, so
        // its landing pad cannot sit next to it and goes, with the tag, into segment 2.
        let message = RawSchema.sampleMessage(firstSegmentWords: 1, growth: .fixed)
        let word = message.rootPointer.word
        #expect(word & 3 == Self.kindFar)
        #expect(word & Self.doubleFarBit != 0)
        #expect(word >> 32 == 2, "landing pad in segment 2")
        #expect(message.segmentBytes()[1].count == 14 * 8)
        let reader = try Framing.decode(message.serialize())
        #expect(reader.rootPointer().word == word)
        #expect(reader.rootPointer().kind == .structure)
        try RawSchema.expectSample(try reader.root())
    }

    @Test func objectBehindFullSegmentUsesSingleFarPointer() throws {
        // 1 root pointer + 14 root words + text, data and inner (4 words) leave one word in a
        // 20-word segment: the 2-word int list goes to segment 1, which has room for its pad.
        let message = RawSchema.sampleMessage(firstSegmentWords: 20, growth: .fixed)
        let root = message.rootPointer.getStruct(dataWords: RawSchema.dataWords, pointerCount: RawSchema.pointerCount)
        let textWord = root.pointer(RawSchema.text).word
        let intsWord = root.pointer(RawSchema.ints).word
        #expect(textWord & 3 == 1, "text is a near list pointer")
        #expect(intsWord & 3 == Self.kindFar)
        #expect(intsWord & Self.doubleFarBit == 0)
        #expect(intsWord >> 32 == 1)
        let reader = try Framing.decode(message.serialize())
        let ints = try reader.root().readList(RawSchema.ints, expecting: .primitive(bytes: 4))
        #expect((0..<ints.count).map { ints.read(Int32.self, at: $0) } == [1, -2, 3])
    }

    @Test func builderReadsBackThroughFarPointers() throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: 1, growth: .fixed)
        let root = message.rootPointer.getStruct(dataWords: RawSchema.dataWords, pointerCount: RawSchema.pointerCount)
        #expect(root.read(Int64.self, at: RawSchema.i64) == -6_464_646_464)
        #expect(root.pointer(RawSchema.text).readText() == "hello")
        #expect(root.pointer(RawSchema.data).readBytes(isText: false) == [0x00, 0xFF, 0x10])
        let inners = try #require(root.pointer(RawSchema.inners).getList())
        #expect(inners.count == 2)
        #expect(inners.structElement(0).pointer(RawSchema.innerName).readText() == "x")
    }

    @Test func manySegmentsWithLargeList() throws {
        let message = MessageBuilder(firstSegmentWords: 4, growth: .fixed)
        let root = message.initRoot(dataWords: 0, pointerCount: 2)
        let texts = (0..<200).map { "text \($0)" }
        root.pointer(0).setTexts(texts)
        let numbers = root.pointer(1).initList(elementSize: .eightBytes, count: 100)
        for index in 0..<100 { numbers.write(UInt64(index * index), at: index) }
        #expect(message.segmentCount > 100)
        let reader = try Framing.decode(message.serialize())
        let readRoot = try reader.root()
        let readTexts = try readRoot.readList(0, expecting: .pointer)
        #expect(try (0..<readTexts.count).map { try readTexts.pointerElement($0).readText() } == texts)
        let readNumbers = try readRoot.readList(1, expecting: .primitive(bytes: 8))
        #expect((0..<100).allSatisfy { readNumbers.read(UInt64.self, at: $0) == UInt64($0 * $0) })
    }
}
