// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import TestSupport
import Testing

/// Copies from received messages into new ones, and struct upgrades inside one message.
@Suite struct DeepCopyTests {
    /// Segment policies for source and destination: one big segment, or many tiny ones.
    static let layouts: [(Int, MessageBuilder.Growth)] = [(1024, .heuristic), (1, .fixed), (3, .fixed)]

    static func sampleReader(firstSegmentWords: Int, growth: MessageBuilder.Growth) throws -> MessageReader {
        try Framing.decode(RawSchema.sampleMessage(firstSegmentWords: firstSegmentWords, growth: growth).serialize())
    }

    @Test(arguments: 0..<3, 0..<3)
    func setStructCopiesEverything(source: Int, destination: Int) throws {
        let reader = try Self.sampleReader(firstSegmentWords: Self.layouts[source].0, growth: Self.layouts[source].1)
        let copy = MessageBuilder(firstSegmentWords: Self.layouts[destination].0, growth: Self.layouts[destination].1)
        try copy.rootPointer.setStruct(try reader.root())
        let copied = try Framing.decode(copy.serialize())
        try RawSchema.expectSample(try copied.root())
        if RequiredTool.check("the capnp tool", CapnpTool.isAvailable) {
            #expect(try CapnpTool.decode(copy.serialize()) == RawSchema.sampleDecoded)
        }
    }

    @Test func setFromAnyPointerCopiesRoot() throws {
        let reader = try Self.sampleReader(firstSegmentWords: 2, growth: .fixed)
        let copy = MessageBuilder()
        try copy.rootPointer.set(reader.rootPointer())
        // Same allocation order as the original, into one segment: identical to building directly.
        #expect(copy.serialize() == RawSchema.sampleMessage().serialize())
    }

    @Test func setCopiesListsOneByOne() throws {
        let source = try Self.sampleReader(firstSegmentWords: 1024, growth: .heuristic).root()
        let copy = MessageBuilder()
        let root = copy.initRoot(dataWords: 0, pointerCount: 4)
        try root.pointer(0).set(source.pointer(RawSchema.inners))
        try root.pointer(1).set(source.pointer(RawSchema.texts))
        try root.pointer(2).set(source.pointer(RawSchema.bools))
        try root.pointer(3).setList(try source.readList(RawSchema.ints, expecting: .primitive(bytes: 4)))
        let read = try Framing.decode(copy.serialize()).root()
        let inners = try read.readList(0, expecting: .structs)
        #expect(inners.count == 2)
        #expect(inners.structElement(0).read(UInt32.self, at: RawSchema.innerID) == 1)
        #expect(try inners.structElement(0).readText(RawSchema.innerName) == "x")
        #expect(inners.structElement(1).read(UInt32.self, at: RawSchema.innerID) == 2)
        let texts = try read.readList(1, expecting: .pointer)
        #expect(try (0..<texts.count).map { try texts.pointerElement($0).readText() } == ["a", "", "ccc"])
        let bools = try read.readList(2, expecting: .bit)
        #expect((0..<bools.count).map { bools.readBool(at: $0) } == [true, false, true])
        let ints = try read.readList(3, expecting: .primitive(bytes: 4))
        #expect((0..<ints.count).map { ints.read(Int32.self, at: $0) } == [1, -2, 3])
    }

    @Test func copyFromTruncatesToSmallerStruct() throws {
        let source = try Self.sampleReader(firstSegmentWords: 1024, growth: .heuristic).root()
        let copy = MessageBuilder()
        let small = copy.initRoot(dataWords: 1, pointerCount: 2)
        try small.copy(from: source)
        let read = try Framing.decode(copy.serialize()).root()
        #expect(read.dataWordCount == 1)
        #expect(read.pointerSectionCount == 2)
        #expect(read.read(Int32.self, at: RawSchema.i32) == -323_232)
        #expect(read.read(Int64.self, at: RawSchema.i64) == 0, "beyond the copied data section")
        #expect(try read.readText(RawSchema.text) == "hello")
        #expect(try read.readData(RawSchema.data) == [0x00, 0xFF, 0x10])
        #expect(read.isNull(RawSchema.inner))
    }

    @Test(arguments: 0..<3)
    func capabilitiesKeepTheirIndex(destination: Int) throws {
        let original = MessageBuilder()
        let root = original.initRoot(dataWords: 1, pointerCount: 3)
        root.write(UInt64(0xDEAD_BEEF), at: 0)
        root.pointer(0).setCapability(0)
        root.pointer(1).setCapability(7)
        let list = root.pointer(2).initList(elementSize: .pointer, count: 4)
        list.pointerElement(0).setCapability(3)
        list.pointerElement(2).setText("t")
        list.pointerElement(3).setCapability(0xFFFF_FFFF)
        let reader = try Framing.decode(original.serialize())

        let copy = MessageBuilder(firstSegmentWords: Self.layouts[destination].0, growth: Self.layouts[destination].1)
        try copy.rootPointer.setStruct(try reader.root())
        let copiedRoot = copy.rootPointer.getStruct(dataWords: 1, pointerCount: 3)
        #expect(copiedRoot.pointer(0).capabilityIndex == 0)
        #expect(copiedRoot.pointer(1).capabilityIndex == 7)

        let read = try Framing.decode(copy.serialize()).root()
        #expect(read.read(UInt64.self, at: 0) == 0xDEAD_BEEF)
        #expect(try read.readCapability(0) == 0)
        #expect(try read.readCapability(1) == 7)
        #expect(read.pointer(0).kind == .capability)
        let readList = try read.readList(2, expecting: .pointer)
        #expect(try readList.pointerElement(0).readCapability() == 3)
        #expect(readList.pointerElement(1).isNull)
        #expect(try readList.pointerElement(2).readText() == "t")
        #expect(try readList.pointerElement(3).readCapability() == 0xFFFF_FFFF)
    }

    @Test func capabilityInsideStructListIsCopied() throws {
        let original = MessageBuilder()
        let list = original.rootPointer.initStructList(count: 2, dataWords: 1, pointerCount: 1)
        list.structElement(0).pointer(0).setCapability(11)
        list.structElement(1).write(UInt16(5), at: 0)
        list.structElement(1).pointer(0).setCapability(12)
        let reader = try Framing.decode(original.serialize())
        let copy = MessageBuilder(firstSegmentWords: 2, growth: .fixed)
        try copy.rootPointer.set(reader.rootPointer())
        let read = try Framing.decode(copy.serialize()).rootPointer().readList(expecting: .structs)
        #expect(read.count == 2)
        #expect(try read.structElement(0).readCapability(0) == 11)
        #expect(read.structElement(1).read(UInt16.self, at: 0) == 5)
        #expect(try read.structElement(1).readCapability(0) == 12)
    }

    @Test func zeroSizedStructStaysNonNull() throws {
        // The struct lands right behind its pointer: offset 0 and no sections would encode as 0.
        let message = MessageBuilder()
        let root = message.initRoot(dataWords: 0, pointerCount: 0)
        #expect(message.rootPointer.word != 0)
        #expect(root.dataWordCount == 0)
        let reader = try Framing.decode(message.serialize())
        #expect(reader.rootPointer().kind == .structure)

        let source = try Framing.decode(
            [0, 0, 0, 0, 3, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 1, 0] + [0xFC, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0] + [
                0, 0, 0, 0, 0, 0, 0, 0,
            ]
        )
        #expect(try source.root().pointer(0).kind == .structure)
        let copy = MessageBuilder()
        try copy.rootPointer.set(source.rootPointer())
        let copied = try Framing.decode(copy.serialize()).root()
        #expect(copied.pointer(0).kind == .structure, "the empty struct was copied as null")
    }

    @Test func nullSourceClearsTarget() throws {
        let copy = MessageBuilder()
        let root = copy.initRoot(dataWords: 0, pointerCount: 1)
        root.pointer(0).setText("old")
        try root.pointer(0).set(AnyPointerReader.null)
        #expect(root.pointer(0).isNull)
    }

    @Test(arguments: 0..<3)
    func getStructUpgradeKeepsContent(layout: Int) throws {
        let message = MessageBuilder(firstSegmentWords: Self.layouts[layout].0, growth: Self.layouts[layout].1)
        // An older, smaller version of Raw: the first data word and the first three pointers.
        let old = message.initRoot(dataWords: 1, pointerCount: 3)
        old.writeBool(true, bit: RawSchema.b)
        old.write(Int8(-8), at: RawSchema.i8)
        old.write(Int16(-1616), at: RawSchema.i16)
        old.write(Int32(-323_232), at: RawSchema.i32)
        old.pointer(RawSchema.text).setText("hello")
        old.pointer(RawSchema.data).setData([0x00, 0xFF, 0x10])
        let inner = old.pointer(RawSchema.inner).initStruct(dataWords: 1, pointerCount: 1)
        inner.write(UInt32(7), at: RawSchema.innerID)
        inner.pointer(RawSchema.innerName).setText("in")

        let grown = message.rootPointer.getStruct(dataWords: RawSchema.dataWords, pointerCount: RawSchema.pointerCount)
        #expect(grown.dataWordCount == RawSchema.dataWords)
        #expect(grown.pointerSectionCount == RawSchema.pointerCount)
        #expect(grown.read(Int32.self, at: RawSchema.i32) == -323_232)
        #expect(grown.pointer(RawSchema.text).readText() == "hello")
        #expect(old.pointer(RawSchema.text).isNull, "pointers moved, not shared")

        // Writing the remaining fields yields exactly the sample value.
        grown.write(Int64(-6_464_646_464), at: RawSchema.i64)
        grown.write(UInt8(8), at: RawSchema.u8)
        grown.write(UInt16(1616), at: RawSchema.u16)
        grown.write(UInt32(323_232), at: RawSchema.u32)
        grown.write(UInt64(6_464_646_464), at: RawSchema.u64)
        grown.writeFloat32(1.5, at: RawSchema.f32)
        grown.writeFloat64(-2.25, at: RawSchema.f64)
        let full = RawSchema.sampleMessage().rootPointer
            .getStruct(dataWords: RawSchema.dataWords, pointerCount: RawSchema.pointerCount)
        let sample = try Framing.decode(full.message.serialize()).root()
        for index in [RawSchema.ints, RawSchema.bools, RawSchema.texts, RawSchema.inners] {
            try grown.pointer(index).set(sample.pointer(index))
        }
        grown.write(UInt16(1), at: RawSchema.choiceTag)
        grown.write(UInt16(42), at: RawSchema.count)
        try RawSchema.expectSample(try Framing.decode(message.serialize()).root())
        if RequiredTool.check("the capnp tool", CapnpTool.isAvailable) {
            #expect(try CapnpTool.decode(message.serialize()) == RawSchema.sampleDecoded)
        }
    }

    @Test func getStructOfLargeEnoughStructAllocatesNothing() {
        let message = MessageBuilder()
        let first = message.initRoot(dataWords: 2, pointerCount: 2)
        first.write(UInt64(99), at: 1)
        let used = message.usedWords
        let again = message.rootPointer.getStruct(dataWords: 1, pointerCount: 1)
        #expect(message.usedWords == used)
        #expect(again.dataWordCount == 2)
        #expect(again.read(UInt64.self, at: 1) == 99)
    }

    @Test func getStructOfNullUsesDefault() throws {
        let defaults = MessageBuilder()
        let value = defaults.initRoot(dataWords: 1, pointerCount: 1)
        value.write(UInt32(5), at: 0)
        value.pointer(0).setText("default")
        let defaultReader = try Framing.decode(defaults.serialize()).root()

        let message = MessageBuilder()
        let root = message.initRoot(dataWords: 0, pointerCount: 1)
        let made = root.pointer(0).getStruct(dataWords: 1, pointerCount: 1, default: defaultReader)
        #expect(made.read(UInt32.self, at: 0) == 5)
        #expect(made.pointer(0).readText() == "default")
    }
}
