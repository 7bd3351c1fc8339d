// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// Element access and the list compatibility rules of ``ListReader``.
@Suite struct ListReaderTests {
    /// A message whose root has two lists back to back: [10, 20] as UInt64 and bits 1,1,1.
    static func adjacentLists() throws -> StructReader {
        let message = MessageBuilder()
        let root = message.initRoot(dataWords: 0, pointerCount: 3)
        let numbers = root.pointer(0).initList(elementSize: .eightBytes, count: 2)
        numbers.write(UInt64(10), at: 0)
        numbers.write(UInt64(20), at: 1)
        let bits = root.pointer(1).initList(elementSize: .bit, count: 3)
        for index in 0..<3 { bits.writeBool(true, at: index) }
        // Eight more words of ones right behind the bit list.
        let filler = root.pointer(2).initList(elementSize: .eightBytes, count: 8)
        for index in 0..<8 { filler.write(UInt64.max, at: index) }
        return try Framing.decode(message.serialize()).root()
    }

    @Test func readsOutsideTheListAreZero() throws {
        let root = try Self.adjacentLists()
        let numbers = try root.readList(0, expecting: .primitive(bytes: 8))
        #expect(numbers.count == 2)
        #expect(numbers.read(UInt64.self, at: 1) == 20)
        // Index 2 is the bit list's first word (0b111) in memory: it must not be read.
        #expect(numbers.read(UInt64.self, at: 2) == 0)
        #expect(numbers.read(UInt64.self, at: -1) == 0)
        let bits = try root.readList(1, expecting: .bit)
        #expect(bits.readBool(at: 2))
        #expect(!bits.readBool(at: 3), "bit 3 is padding")
        #expect(!bits.readBool(at: 64), "bit 64 is the filler list's first word")
        #expect(!bits.readBool(at: -1))
    }

    @Test func primitiveListReadsAsStructsOfOneField() throws {
        let root = try Self.adjacentLists()
        let numbers = try root.readList(0, expecting: .structs)
        #expect(numbers.structElement(1).read(UInt64.self, at: 0) == 20)
        #expect(numbers.structElement(1).read(UInt64.self, at: 1) == 0, "beyond the element's one field")
        #expect(numbers.structElement(1).pointerSectionCount == 0)
    }

    @Test func structListReadsAsPrimitivesOfItsFirstField() throws {
        let message = MessageBuilder()
        let list = message.rootPointer.initStructList(count: 3, dataWords: 2, pointerCount: 1)
        for index in 0..<3 {
            list.structElement(index).write(UInt32(100 + index), at: 0)
            list.structElement(index).write(UInt64(7), at: 1)
            list.structElement(index).pointer(0).setText("t\(index)")
        }
        let reader = try Framing.decode(message.serialize())
        let asInts = try reader.rootPointer().readList(expecting: .primitive(bytes: 4))
        #expect((0..<3).map { asInts.read(UInt32.self, at: $0) } == [100, 101, 102])
        let asTexts = try reader.rootPointer().readList(expecting: .pointer)
        #expect(try (0..<3).map { try asTexts.pointerElement($0).readText() } == ["t0", "t1", "t2"])
    }

    @Test func pointerListReadsAsStructsOfOnePointer() throws {
        let message = MessageBuilder()
        message.rootPointer.setTexts(["x", "y"])
        let reader = try Framing.decode(message.serialize())
        let structs = try reader.rootPointer().readList(expecting: .structs)
        #expect(structs.structElement(0).dataWordCount == 0)
        #expect(try structs.structElement(1).readText(0) == "y")
        let error = #expect(throws: CapnProtoError.self) {
            try reader.rootPointer().readList(expecting: .primitive(bytes: 1))
        }
        #expect(error?.code == .invalidList)
    }

    @Test func bitListsReadOnlyAsBits() throws {
        let root = try Self.adjacentLists()
        for expected in [ListExpectation.structs, .primitive(bytes: 1), .pointer] {
            let error = #expect(throws: CapnProtoError.self) { try root.readList(1, expecting: expected) }
            #expect(error?.code == .invalidList, "\(expected)")
        }
        #expect(try root.readList(1, expecting: .void).count == 3)
    }

    @Test func typedViewsReadTheSameElements() throws {
        let root = try Self.adjacentLists()
        let numbers = ScalarList<UInt64>(try root.readList(0, expecting: ScalarList<UInt64>.expectation))
        #expect(Array(numbers) == [10, 20])
        let bits = ScalarList<Bool>(try root.readList(1, expecting: ScalarList<Bool>.expectation))
        #expect(Array(bits) == [true, true, true])
    }
}
