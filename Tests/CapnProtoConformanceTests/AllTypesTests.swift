// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// `schema/test/test-all-types.txt`, built with the generated builders and checked with the
/// generated readers.
enum AllTypesFixture {
    static let name = "test-all-types"

    /// Sets every field `test-all-types.txt` sets, to the same values.
    static func fill(_ root: TestAllTypes.Builder) {
        root.boolField = true
        root.int8Field = -123
        root.int16Field = -12345
        root.int32Field = -12_345_678
        root.int64Field = -123_456_789_012_345
        root.uint8Field = 234
        root.uint16Field = 45678
        root.uint32Field = 3_456_789_012
        root.uint64Field = 12_345_678_901_234_567_890
        root.float32Field = 1234.5
        root.float64Field = -1.23e47
        root.textField = "foo"
        root.dataField = Array("bar".utf8)

        let sub = root.initStructField()
        sub.boolField = true
        sub.int8Field = -12
        sub.int16Field = 3456
        sub.int32Field = -78_901_234
        sub.int64Field = 56_789_012_345_678
        sub.uint8Field = 90
        sub.uint16Field = 1234
        sub.uint32Field = 56_789_012
        sub.uint64Field = 345_678_901_234_567_890
        sub.float32Field = -1.25e-10
        sub.float64Field = 345
        sub.textField = "baz"
        sub.dataField = Array("qux".utf8)
        let nested = sub.initStructField()
        nested.textField = "nested"
        nested.initStructField().textField = "really nested"
        sub.enumField = .baz
        _ = sub.initVoidList(count: 3)
        sub.setBoolList([false, true, false, true, true])
        sub.setInt8List([12, -34, -128, 127])
        sub.setInt16List([1234, -5678, -32768, 32767])
        sub.setInt32List([12_345_678, -90_123_456, -2_147_483_648, 2_147_483_647])
        sub.setInt64List([123_456_789_012_345, -678_901_234_567_890, .min, .max])
        sub.setUint8List([12, 34, 0, 255])
        sub.setUint16List([1234, 5678, 0, 65535])
        sub.setUint32List([12_345_678, 90_123_456, 0, 4_294_967_295])
        sub.setUint64List([123_456_789_012_345, 678_901_234_567_890, 0, .max])
        sub.setFloat32List([0, 1_234_567, 1e37, -1e37, 1e-37, -1e-37])
        sub.setFloat64List([0, 123_456_789_012_345, 1e306, -1e306, 1e-306, -1e-306])
        sub.setTextList(["quux", "corge", "grault"])
        sub.setDataList(["garply", "waldo", "fred"].map { Array($0.utf8) })
        let subStructs = sub.initStructList(count: 3)
        for index in 0..<3 {
            subStructs[index].a = Int32(index + 1)
            subStructs[index].b = "x structlist \(index + 1)"
        }
        subStructs[2].setC([3, 33, 333])
        sub.setEnumList([.qux, .bar, .grault])

        root.enumField = .corge
        _ = root.initVoidList(count: 6)
        root.setBoolList([true, false, false, true, false, true, true, true, false, true])
        root.setInt8List([111, -111, 0, -128, 127])
        root.setInt16List([11111, -22222, 0, -32768, 32767])
        root.setInt32List([111_111_111, -222_222_222, 0, -2_147_483_648, 2_147_483_647])
        root.setInt64List([1_111_111_111_111_111_111, -2_222_222_222_222_222_222, 0, .min, .max])
        root.setUint8List([111, 222, 0, 255])
        root.setUint16List([33333, 44444, 0, 65535])
        root.setUint32List([3_333_333_333, 0, 4_294_967_295])
        root.setUint64List([11_111_111_111_111_111_111, 0, .max])
        root.setFloat32List([5555.5, .infinity, -.infinity, .nan, 0, .leastNonzeroMagnitude])
        root.setFloat64List([7777.75, .infinity, -.infinity, .nan, 0, .leastNonzeroMagnitude])
        root.setTextList(["plugh", "xyzzy", "thud", "", "unicode: é€"])
        root.setDataList([Array("oops".utf8), Array("exhausted".utf8), Array("rfc3092".utf8), [], [0, 1, 0xFF]])
        let structs = root.initStructList(count: 4)
        structs[0].a = 1
        structs[0].b = "structlist 1"
        structs[0].setC([1])
        structs[1].a = -2
        structs[1].b = "structlist 2"
        structs[1].setC([])
        structs[2].a = 3
        structs[2].b = "structlist 3"
        structs[2].setC([3, 33, 333])
        structs[3].a = 2_147_483_647
        root.setEnumList([.foo, .garply, .bar, .quux])
        let listList = root.initInt32ListList(count: 4)
        for (index, values) in [[1, 2, 3], [], [4], [-5, 6, -7, 8]].enumerated() {
            listList[index].setScalars(values.map(Int32.init))
        }
        let textListList = root.initTextListList(count: 3)
        for (index, values) in [["a", "bb"], [], ["ccc"]].enumerated() {
            textListList[index].setTexts(values)
        }
        _ = root.initEmptyStructList(count: 4)
        let nestedStruct = root.initNestedStruct()
        nestedStruct.label = "nested"
        nestedStruct.kind = .second
        nestedStruct.initInner().value = 4_000_000_000
        root.nestedEnum = .third
        let nestedList = root.initNestedList(count: 2)
        nestedList[0].label = "one"
        nestedList[0].kind = .first
        nestedList[0].initInner().value = 1
        nestedList[1].label = "two"
        nestedList[1].kind = .third
    }

    /// Checks every field of a reader holding `test-all-types.txt`.
    static func check(_ root: TestAllTypes.Reader) throws {
        #expect(root.boolField == true)
        #expect(root.int8Field == -123)
        #expect(root.int16Field == -12345)
        #expect(root.int32Field == -12_345_678)
        #expect(root.int64Field == -123_456_789_012_345)
        #expect(root.uint8Field == 234)
        #expect(root.uint16Field == 45678)
        #expect(root.uint32Field == 3_456_789_012)
        #expect(root.uint64Field == 12_345_678_901_234_567_890)
        #expect(root.float32Field == 1234.5)
        #expect(root.float64Field == -1.23e47)
        #expect(try root.textField == "foo")
        #expect(try root.dataField == Array("bar".utf8))
        #expect(root.hasStructField)

        let sub = try root.structField
        #expect(sub.boolField == true)
        #expect(sub.int8Field == -12)
        #expect(sub.int16Field == 3456)
        #expect(sub.int32Field == -78_901_234)
        #expect(sub.int64Field == 56_789_012_345_678)
        #expect(sub.uint8Field == 90)
        #expect(sub.uint16Field == 1234)
        #expect(sub.uint32Field == 56_789_012)
        #expect(sub.uint64Field == 345_678_901_234_567_890)
        #expect(sub.float32Field == -1.25e-10)
        #expect(sub.float64Field == 345)
        #expect(try sub.textField == "baz")
        #expect(try sub.dataField == Array("qux".utf8))
        let nested = try sub.structField
        #expect(try nested.textField == "nested")
        #expect(nested.int32Field == 0)
        #expect(nested.enumField == .foo)
        #expect(try nested.structField.textField == "really nested")
        #expect(try !nested.structField.hasStructField)
        #expect(sub.enumField == .baz)
        #expect(try sub.voidList.count == 3)
        #expect(try Array(sub.boolList) == [false, true, false, true, true])
        #expect(try Array(sub.int8List) == [12, -34, -128, 127])
        #expect(try Array(sub.int16List) == [1234, -5678, -32768, 32767])
        #expect(try Array(sub.int32List) == [12_345_678, -90_123_456, -2_147_483_648, 2_147_483_647])
        #expect(try Array(sub.int64List) == [123_456_789_012_345, -678_901_234_567_890, .min, .max])
        #expect(try Array(sub.uint8List) == [12, 34, 0, 255])
        #expect(try Array(sub.uint16List) == [1234, 5678, 0, 65535])
        #expect(try Array(sub.uint32List) == [12_345_678, 90_123_456, 0, 4_294_967_295])
        #expect(try Array(sub.uint64List) == [123_456_789_012_345, 678_901_234_567_890, 0, .max])
        #expect(try Array(sub.float32List) == [0, 1_234_567, 1e37, -1e37, 1e-37, -1e-37])
        #expect(try Array(sub.float64List) == [0, 123_456_789_012_345, 1e306, -1e306, 1e-306, -1e-306])
        #expect(try sub.textList.toArray() == ["quux", "corge", "grault"])
        #expect(try sub.dataList.toArray() == ["garply", "waldo", "fred"].map { Array($0.utf8) })
        let subStructs = try sub.structList
        #expect(subStructs.count == 3)
        for (index, element) in subStructs.enumerated() {
            #expect(element.a == Int32(index + 1))
            #expect(try element.b == "x structlist \(index + 1)")
        }
        #expect(!subStructs[0].hasC && !subStructs[1].hasC)
        #expect(try Array(subStructs[2].c) == [3, 33, 333])
        #expect(try Array(sub.enumList) == [.qux, .bar, .grault])
        #expect(!sub.hasInt32ListList)
        #expect(!sub.hasNestedStruct)

        #expect(root.enumField == .corge)
        #expect(!root.hasInterfaceField)
        #expect(!root.hasAnyPointerField)
        #expect(try root.voidList.count == 6)
        #expect(try Array(root.boolList) == [true, false, false, true, false, true, true, true, false, true])
        #expect(try Array(root.int8List) == [111, -111, 0, -128, 127])
        #expect(try Array(root.int16List) == [11111, -22222, 0, -32768, 32767])
        #expect(try Array(root.int32List) == [111_111_111, -222_222_222, 0, -2_147_483_648, 2_147_483_647])
        #expect(try Array(root.int64List) == [1_111_111_111_111_111_111, -2_222_222_222_222_222_222, 0, .min, .max])
        #expect(try Array(root.uint8List) == [111, 222, 0, 255])
        #expect(try Array(root.uint16List) == [33333, 44444, 0, 65535])
        #expect(try Array(root.uint32List) == [3_333_333_333, 0, 4_294_967_295])
        #expect(try Array(root.uint64List) == [11_111_111_111_111_111_111, 0, .max])
        #expect(try sameFloats(root.float32List, [5555.5, .infinity, -.infinity, .nan, 0, .leastNonzeroMagnitude]))
        #expect(try sameFloats(root.float64List, [7777.75, .infinity, -.infinity, .nan, 0, .leastNonzeroMagnitude]))
        #expect(try root.textList.toArray() == ["plugh", "xyzzy", "thud", "", "unicode: é€"])
        #expect(
            try root.dataList.toArray()
                == [Array("oops".utf8), Array("exhausted".utf8), Array("rfc3092".utf8), [], [0, 1, 0xFF]]
        )
        let structs = try root.structList
        #expect(structs.count == 4)
        #expect(structs.map(\.a) == [1, -2, 3, 2_147_483_647])
        #expect(try structs.map { try $0.b } == ["structlist 1", "structlist 2", "structlist 3", ""])
        #expect(try structs.map { Array(try $0.c) } == [[1], [], [3, 33, 333], []])
        #expect(structs.map(\.hasC) == [true, true, true, false])
        #expect(try Array(root.enumList) == [.foo, .garply, .bar, .quux])
        #expect(!root.hasInterfaceList)
        #expect(try root.int32ListList.toArray().map { Array($0) } == [[1, 2, 3], [], [4], [-5, 6, -7, 8]])
        #expect(try root.textListList.toArray().map { try $0.toArray() } == [["a", "bb"], [], ["ccc"]])
        #expect(try root.emptyStructList.count == 4)
        let nestedStruct = try root.nestedStruct
        #expect(try nestedStruct.label == "nested")
        #expect(nestedStruct.kind == .second)
        #expect(try nestedStruct.inner.value == 4_000_000_000)
        #expect(root.nestedEnum == .third)
        let nestedList = try root.nestedList
        #expect(nestedList.count == 2)
        #expect(try nestedList[0].label == "one")
        #expect(nestedList[0].kind == .first)
        #expect(try nestedList[0].inner.value == 1)
        #expect(try nestedList[1].label == "two")
        #expect(nestedList[1].kind == .third)
        #expect(!nestedList[1].hasInner)
        #expect(try nestedList[1].inner.value == 0)
        #expect(!root.hasAnyStructField)
        #expect(!root.hasAnyListField)
        #expect(!root.hasCapabilityField)
    }
}

@Suite struct AllTypesTests {
    /// A TestAllTypes built in Swift prints exactly as `capnp` prints the fixture.
    @Test(arguments: [false, true])
    func builtInSwiftDecodesLikeFixture(packed: Bool) throws {
        let message = MessageBuilder()
        AllTypesFixture.fill(message.initRoot(TestAllTypes.Builder.self))
        let expected = try CapnpTool.canonicalText(AllTypesFixture.name, type: "TestAllTypes")
        #expect(try CapnpTool.decode(message, type: "TestAllTypes", packed: packed) == expected)
    }

    /// The same value spread over many tiny segments (far pointers everywhere).
    @Test(arguments: [false, true])
    func multiSegmentDecodesLikeFixture(packed: Bool) throws {
        let message = MessageBuilder(firstSegmentWords: 4, growth: .fixed)
        AllTypesFixture.fill(message.initRoot(TestAllTypes.Builder.self))
        #expect(message.segmentCount > 10)
        let expected = try CapnpTool.canonicalText(AllTypesFixture.name, type: "TestAllTypes")
        #expect(try CapnpTool.decode(message, type: "TestAllTypes", packed: packed) == expected)
        try AllTypesFixture.check(message.reader().root(as: TestAllTypes.Reader.self))
        let bytes = packed ? message.serializePacked() : message.serialize()
        try AllTypesFixture.check(CapnpTool.read(bytes, packed: packed).root(as: TestAllTypes.Reader.self))
    }

    /// `capnp encode` output read with the generated reader.
    @Test(arguments: [false, true])
    func fixtureReadsBack(packed: Bool) throws {
        let bytes = try CapnpTool.encodeFixture(AllTypesFixture.name, type: "TestAllTypes", packed: packed)
        try AllTypesFixture.check(CapnpTool.read(bytes, packed: packed).root(as: TestAllTypes.Reader.self))
    }

    /// The builders' getters read back what was set.
    @Test func builderGettersReadBack() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestAllTypes.Builder.self)
        AllTypesFixture.fill(root)
        #expect(root.int64Field == -123_456_789_012_345)
        #expect(root.float64Field == -1.23e47)
        #expect(root.textField == "foo")
        #expect(root.dataField == Array("bar".utf8))
        #expect(root.structField.structField.textField == "nested")
        #expect(root.enumField == .corge)
        #expect(root.nestedStruct.inner.value == 4_000_000_000)
        #expect(root.hasNestedList && !root.hasAnyPointerField)
    }

    /// An empty message reads as all zeros / empty.
    @Test func emptyMessageReadsZeros() throws {
        let message = MessageBuilder()
        _ = message.initRoot(TestAllTypes.Builder.self)
        let root = try message.reader().root(as: TestAllTypes.Reader.self)
        #expect(root.int32Field == 0 && root.float64Field == 0 && !root.boolField)
        #expect(try root.textField == "" && root.dataField.isEmpty)
        #expect(root.enumField == .foo && root.nestedEnum == .first)
        #expect(try root.int32List.isEmpty && root.textList.count == 0 && root.structList.isEmpty)
        #expect(try root.structField.int8Field == 0)
        #expect(try CapnpTool.decode(message, type: "TestAllTypes").hasPrefix("( voidField = void,"))
    }
}
