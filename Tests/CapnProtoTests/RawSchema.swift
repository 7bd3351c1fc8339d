// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// Layout of `Fixtures/raw.capnp`, hard-coded from `capnp compile -ocapnp raw.capnp`:
///
///     struct Inner {  # 8 bytes, 1 ptrs
///       id @0 :UInt32;  # bits[0, 32)
///       name @1 :Text;  # ptr[0]
///     struct Raw {  # 48 bytes, 8 ptrs
///       b @0 :Bool;  # bits[0, 1)          i8 @1 :Int8;  # bits[8, 16)
///       i16 @2 :Int16;  # bits[16, 32)     i32 @3 :Int32;  # bits[32, 64)
///       i64 @4 :Int64;  # bits[64, 128)    u8 @5 :UInt8;  # bits[128, 136)
///       u16 @6 :UInt16;  # bits[144, 160)  u32 @7 :UInt32;  # bits[160, 192)
///       u64 @8 :UInt64;  # bits[192, 256)  f32 @9 :Float32;  # bits[256, 288)
///       f64 @10 :Float64;  # bits[320, 384)
///       text @11 :Text;  # ptr[0]          data @12 :Data;  # ptr[1]
///       inner @13 :Inner;  # ptr[2]        ints @14 :List(Int32);  # ptr[3]
///       bools @15 :List(Bool);  # ptr[4]   texts @16 :List(Text);  # ptr[5]
///       inners @17 :List(Inner);  # ptr[6]
///       choice :group { union {  # tag bits [288, 304)
///         none @18 :Void;  # union tag = 0
///         count @19 :UInt16;  # bits[304, 320), union tag = 1
///         label @20 :Text;  # ptr[7], union tag = 2
///
/// The indices below are in units of the field's own width, as the untyped API takes them.
enum RawSchema {
    static let dataWords = 6
    static let pointerCount = 8
    static let innerDataWords = 1
    static let innerPointerCount = 1

    // Data section, index = bit offset / bit width.
    static let b = 0  // bit 0
    static let i8 = 1  // bits[8, 16)
    static let i16 = 1  // bits[16, 32)
    static let i32 = 1  // bits[32, 64)
    static let i64 = 1  // bits[64, 128)
    static let u8 = 16  // bits[128, 136)
    static let u16 = 9  // bits[144, 160)
    static let u32 = 5  // bits[160, 192)
    static let u64 = 3  // bits[192, 256)
    static let f32 = 8  // bits[256, 288)
    static let f64 = 5  // bits[320, 384)
    static let choiceTag = 18  // UInt16 at bits[288, 304)
    static let count = 19  // UInt16 at bits[304, 320)

    // Pointer section.
    static let text = 0
    static let data = 1
    static let inner = 2
    static let ints = 3
    static let bools = 4
    static let texts = 5
    static let inners = 6
    static let label = 7

    // Inner.
    static let innerID = 0  // UInt32 at bits[0, 32)
    static let innerName = 0  // ptr[0]

    /// The value every conformance test writes or expects, as `capnp encode` takes it.
    static let sampleText = """
        (b = true, i8 = -8, i16 = -1616, i32 = -323232, i64 = -6464646464, u8 = 8, u16 = 1616, \
        u32 = 323232, u64 = 6464646464, f32 = 1.5, f64 = -2.25, text = "hello", data = 0x"00ff10", \
        inner = (id = 7, name = "in"), ints = [1, -2, 3], bools = [true, false, true], \
        texts = ["a", "", "ccc"], inners = [(id = 1, name = "x"), (id = 2)], choice = (count = 42))
        """

    /// The same value as `capnp decode` prints it.
    static let sampleDecoded = """
        ( b = true,
          i8 = -8,
          i16 = -1616,
          i32 = -323232,
          i64 = -6464646464,
          u8 = 8,
          u16 = 1616,
          u32 = 323232,
          u64 = 6464646464,
          f32 = 1.5,
          f64 = -2.25,
          text = "hello",
          data = "\\000\\377\\020",
          inner = (id = 7, name = "in"),
          ints = [1, -2, 3],
          bools = [true, false, true],
          texts = ["a", "", "ccc"],
          inners = [(id = 1, name = "x"), (id = 2)],
          choice = (count = 42) )

        """

    /// Writes the sample value into `raw` (a struct of the Raw layout).
    static func fill(_ raw: StructBuilder) {
        raw.writeBool(true, bit: b)
        raw.write(Int8(-8), at: i8)
        raw.write(Int16(-1616), at: i16)
        raw.write(Int32(-323_232), at: i32)
        raw.write(Int64(-6_464_646_464), at: i64)
        raw.write(UInt8(8), at: u8)
        raw.write(UInt16(1616), at: u16)
        raw.write(UInt32(323_232), at: u32)
        raw.write(UInt64(6_464_646_464), at: u64)
        raw.writeFloat32(1.5, at: f32)
        raw.writeFloat64(-2.25, at: f64)
        raw.pointer(text).setText("hello")
        raw.pointer(data).setData([0x00, 0xFF, 0x10])
        let innerStruct = raw.pointer(inner).initStruct(dataWords: innerDataWords, pointerCount: innerPointerCount)
        innerStruct.write(UInt32(7), at: innerID)
        innerStruct.pointer(innerName).setText("in")
        let intList = raw.pointer(ints).initList(elementSize: .fourBytes, count: 3)
        for (index, value) in [Int32(1), -2, 3].enumerated() { intList.write(value, at: index) }
        let boolList = raw.pointer(bools).initList(elementSize: .bit, count: 3)
        for (index, value) in [true, false, true].enumerated() { boolList.writeBool(value, at: index) }
        raw.pointer(texts).setTexts(["a", "", "ccc"])
        let innerList = raw.pointer(inners).initStructList(
            count: 2,
            dataWords: innerDataWords,
            pointerCount: innerPointerCount
        )
        innerList.structElement(0).write(UInt32(1), at: innerID)
        innerList.structElement(0).pointer(innerName).setText("x")
        innerList.structElement(1).write(UInt32(2), at: innerID)
        raw.write(UInt16(1), at: choiceTag)
        raw.write(UInt16(42), at: count)
    }

    /// A message holding the sample value, built with the given segment policy.
    static func sampleMessage(
        firstSegmentWords: Int = 1024,
        growth: MessageBuilder.Growth = .heuristic
    )
        -> MessageBuilder
    {
        let message = MessageBuilder(firstSegmentWords: firstSegmentWords, growth: growth)
        fill(message.initRoot(dataWords: dataWords, pointerCount: pointerCount))
        return message
    }

    /// Checks every field of `raw` against the sample value.
    static func expectSample(_ raw: StructReader) throws {
        #expect(raw.readBool(bit: b))
        #expect(raw.read(Int8.self, at: i8) == -8)
        #expect(raw.read(Int16.self, at: i16) == -1616)
        #expect(raw.read(Int32.self, at: i32) == -323_232)
        #expect(raw.read(Int64.self, at: i64) == -6_464_646_464)
        #expect(raw.read(UInt8.self, at: u8) == 8)
        #expect(raw.read(UInt16.self, at: u16) == 1616)
        #expect(raw.read(UInt32.self, at: u32) == 323_232)
        #expect(raw.read(UInt64.self, at: u64) == 6_464_646_464)
        #expect(raw.readFloat32(at: f32) == 1.5)
        #expect(raw.readFloat64(at: f64) == -2.25)
        #expect(try raw.readText(text) == "hello")
        #expect(try raw.readData(data) == [0x00, 0xFF, 0x10])
        let innerStruct = try raw.readStruct(inner)
        #expect(innerStruct.read(UInt32.self, at: innerID) == 7)
        #expect(try innerStruct.readText(innerName) == "in")
        let intList = try raw.readList(ints, expecting: .primitive(bytes: 4))
        #expect((0..<intList.count).map { intList.read(Int32.self, at: $0) } == [1, -2, 3])
        let boolList = try raw.readList(bools, expecting: .bit)
        #expect((0..<boolList.count).map { boolList.readBool(at: $0) } == [true, false, true])
        let textList = try raw.readList(texts, expecting: .pointer)
        #expect(try (0..<textList.count).map { try textList.pointerElement($0).readText() } == ["a", "", "ccc"])
        let innerList = try raw.readList(inners, expecting: .structs)
        try #require(innerList.count == 2)
        #expect(innerList.structElement(0).read(UInt32.self, at: innerID) == 1)
        #expect(try innerList.structElement(0).readText(innerName) == "x")
        #expect(innerList.structElement(1).read(UInt32.self, at: innerID) == 2)
        #expect(innerList.structElement(1).isNull(innerName))
        #expect(raw.read(UInt16.self, at: choiceTag) == 1)
        #expect(raw.read(UInt16.self, at: count) == 42)
    }
}
