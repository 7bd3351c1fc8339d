// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import TestSupport
import Testing

/// Messages built and read by the untyped runtime, checked against the reference `capnp` tool.
@Suite(.requires("the capnp tool", CapnpTool.isAvailable))
struct ConformanceTests {
    @Test func builtMessageDecodesInCapnp() throws {
        let message = RawSchema.sampleMessage()
        #expect(message.segmentCount == 1)
        #expect(try CapnpTool.decode(message.serialize()) == RawSchema.sampleDecoded)
    }

    @Test func builtPackedMessageDecodesInCapnp() throws {
        let message = RawSchema.sampleMessage()
        #expect(try CapnpTool.decode(message.serializePacked(), packed: true) == RawSchema.sampleDecoded)
    }

    @Test func builtMessageMatchesCapnpEncodeByteForByte() throws {
        // Both allocate objects in field order, so a single-segment message comes out the same.
        let ours = RawSchema.sampleMessage().serialize()
        let theirs = try CapnpTool.encode(RawSchema.sampleText)
        #expect(ours == theirs)
    }

    @Test func emptyRootDecodesAsDefaults() throws {
        let message = MessageBuilder()
        _ = message.initRoot(dataWords: RawSchema.dataWords, pointerCount: RawSchema.pointerCount)
        let text = try CapnpTool.decode(message.serialize())
        #expect(text.hasSuffix("  f64 = 0,\n  choice = (none = void) )\n"))
        #expect(!text.contains("text ="))
    }

    @Test func unionTextBranchAndEmptyValues() throws {
        let message = MessageBuilder()
        let raw = message.initRoot(dataWords: RawSchema.dataWords, pointerCount: RawSchema.pointerCount)
        raw.pointer(RawSchema.text).setText("")
        _ = raw.pointer(RawSchema.ints).initList(elementSize: .fourBytes, count: 0)
        _ = raw.pointer(RawSchema.inners).initStructList(count: 0, dataWords: 1, pointerCount: 1)
        raw.write(UInt16(2), at: RawSchema.choiceTag)
        raw.pointer(RawSchema.label).setText("lbl")
        let text = try CapnpTool.decode(message.serialize())
        #expect(
            text.hasSuffix("  text = \"\",\n  ints = [],\n  inners = [],\n  choice = (label = \"lbl\") )\n")
        )
    }

    @Test func emptyStructDecodesInCapnp() throws {
        // struct Holder { any @0 :AnyPointer; empty @1 :Empty; }  # 0 bytes, 2 ptrs (from capnp compile)
        let message = MessageBuilder()
        let holder = message.initRoot(dataWords: 0, pointerCount: 2)
        _ = holder.pointer(1).initStruct(dataWords: 0, pointerCount: 0)
        #expect(try CapnpTool.decode(message.serialize(), type: "Holder") == "(empty = ())\n")
        #expect(message.serialize() == (try CapnpTool.encode("(empty = ())", type: "Holder")))
    }

    @Test func capnpEncodedMessageReadsBack() throws {
        let bytes = try CapnpTool.encode(RawSchema.sampleText)
        let reader = try Framing.decode(bytes)
        #expect(reader.segmentCount == 1)
        try RawSchema.expectSample(try reader.root())
    }

    @Test func capnpPackedMessageReadsBack() throws {
        let packed = try CapnpTool.encode(RawSchema.sampleText, packed: true)
        try RawSchema.expectSample(try Packing.decode(packed).root())
    }

    @Test(arguments: [nil, 1, 2, 3, 5, 8, 13, 64] as [Int?])
    func packingIsByteIdenticalToCapnp(segmentSize: Int?) throws {
        let unpacked = try CapnpTool.encode(RawSchema.sampleText, segmentSize: segmentSize)
        let packed = try CapnpTool.encode(RawSchema.sampleText, packed: true, segmentSize: segmentSize)
        #expect(Packing.pack(unpacked) == packed)
        #expect(try Packing.unpack(packed) == unpacked)
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13])
    func capnpMultiSegmentMessageReadsBack(segmentSize: Int) throws {
        let bytes = try CapnpTool.encode(RawSchema.sampleText, segmentSize: segmentSize)
        let reader = try Framing.decode(bytes)
        #expect(reader.segmentCount > 1)
        try RawSchema.expectSample(try reader.root())
    }

    @Test func readerRejectsWhatCapnpWouldNotWrite() throws {
        // Reading a text field as a struct must fail the same way for our messages and capnp's.
        let reader = try Framing.decode(try CapnpTool.encode(RawSchema.sampleText))
        let error = #expect(throws: CapnProtoError.self) { try reader.root().readStruct(RawSchema.text) }
        #expect(error?.code == .unexpectedPointerType)
    }
}
