// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

@Suite struct ConstantTests {
    @Test func scalarConstants() {
        #expect(constBool == true)
        #expect(constInt8 == .min)
        #expect(constInt16 == .min)
        #expect(constInt32 == .min)
        #expect(constInt64 == .min)
        #expect(constUInt8 == .max)
        #expect(constUInt16 == .max)
        #expect(constUInt32 == .max)
        #expect(constUInt64 == .max)
        #expect(constFloat32 == -1.5)
        #expect(constFloat64 == 6.02214076e23)
        #expect(constFloat64Inf == .infinity)
        #expect(constEnum == .quux)
        #expect(constRef == constInt32)
        #expect(constNestedRef == 42)
        #expect(TestDefaults.answer == 42)
    }

    @Test func blobConstants() {
        #expect(constText == "tab\tquote\"backslash\\newline\n\u{01} é")
        #expect(constData == [0xDE, 0xAD, 0xBE, 0xEF])
    }

    @Test func structAndListConstants() throws {
        #expect(constStruct.a == 7)
        #expect(try constStruct.b == "seven")
        #expect(try Array(constStruct.c) == [7, 77])
        #expect(Array(constInt32List) == [1, -2, 3])
        #expect(try constTextList.toArray() == ["x", "yy", ""])
        #expect(constStructList.count == 2)
        #expect(constStructList.map(\.a) == [1, 0])
        #expect(try constStructList.map { try $0.b } == ["", "b"])
        #expect(Array(constEnumList) == [.bar, .baz])
        #expect(try constListList.toArray().map { Array($0) } == [[1], [2, 3], []])
    }

    /// Struct constants copy into a message and print as `capnp eval` prints them.
    @Test func structConstantMatchesCapnpEval() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestAllTypes.Builder.self)
        try root.setStructList(constStructList)
        let small = root.initStructField().initStructList(count: 1)
        small[0].a = constStruct.a
        #expect(
            try CapnpTool.decode(message, type: "TestAllTypes").contains("structList = [(a = 1), (a = 0, b = \"b\")]")
        )
        let evaluated = try CapnpTool.run(["eval", CapnpTool.schema, "constStruct"], input: [])
        #expect(String(decoding: evaluated, as: UTF8.self) == "(a = 7, b = \"seven\", c = [7, 77])\n")
    }
}

@Suite struct DeepCopyTests {
    /// `setStructField(reader)` copies a struct read from one message into another.
    @Test(arguments: [false, true])
    func copyStructFromAnotherMessage(multiSegment: Bool) throws {
        let bytes = try CapnpTool.encodeFixture(AllTypesFixture.name, type: "TestAllTypes")
        let source = try CapnpTool.read(bytes).root(as: TestAllTypes.Reader.self)

        let message = multiSegment ? MessageBuilder(firstSegmentWords: 4, growth: .fixed) : MessageBuilder()
        let root = message.initRoot(TestAllTypes.Builder.self)
        try root.setStructField(source)
        root.int32Field = 99
        let copied = try CapnpTool.read(message.serialize()).root(as: TestAllTypes.Reader.self)
        #expect(copied.int32Field == 99)
        try AllTypesFixture.check(copied.structField)

        // Copy it once more to a root and compare with capnp's own printing of the fixture.
        let again = MessageBuilder()
        try again.rootPointer.setStruct(copied.structField._reader)
        let expected = try CapnpTool.canonicalText(AllTypesFixture.name, type: "TestAllTypes")
        #expect(try CapnpTool.decode(again, type: "TestAllTypes") == expected)
    }

    /// Lists and nested structs copy too, and the copy does not alias the source.
    @Test func copyListsAndNestedStructs() throws {
        let bytes = try CapnpTool.encodeFixture(AllTypesFixture.name, type: "TestAllTypes")
        let source = try CapnpTool.read(bytes).root(as: TestAllTypes.Reader.self)

        let message = MessageBuilder()
        let root = message.initRoot(TestAllTypes.Builder.self)
        try root.setStructList(source.structList)
        try root.setTextListList(source.textListList)
        try root.setInt32ListList(source.int32ListList)
        try root.setNestedList(source.nestedList)
        try root.setNestedStruct(source.nestedStruct)
        try root.setFloat64List(source.float64List)
        try root.setEmptyStructList(source.emptyStructList)
        try root.setVoidList(source.voidList)
        try root.setBoolList(source.boolList)
        try root.setEnumList(source.enumList)
        try root.setDataList(source.dataList)
        root.nestedStruct.label = "changed"

        let copied = try message.reader().root(as: TestAllTypes.Reader.self)
        #expect(try copied.structList.map(\.a) == [1, -2, 3, 2_147_483_647])
        #expect(try Array(copied.structList[2].c) == [3, 33, 333])
        #expect(try copied.textListList.toArray().map { try $0.toArray() } == [["a", "bb"], [], ["ccc"]])
        #expect(try copied.int32ListList.toArray().map { Array($0) } == [[1, 2, 3], [], [4], [-5, 6, -7, 8]])
        #expect(try copied.nestedList.map { try $0.label } == ["one", "two"])
        #expect(try copied.nestedStruct.label == "changed")
        #expect(try copied.nestedStruct.inner.value == 4_000_000_000)
        #expect(try source.nestedStruct.label == "nested")
        #expect(try sameFloats(copied.float64List, [7777.75, .infinity, -.infinity, .nan, 0, .leastNonzeroMagnitude]))
        #expect(try copied.emptyStructList.count == 4 && copied.voidList.count == 6)
        #expect(try Array(copied.boolList) == Array(source.boolList))
        #expect(try Array(copied.enumList) == [.foo, .garply, .bar, .quux])
        #expect(try copied.dataList.toArray() == source.dataList.toArray())
    }

    /// Copying a struct constant (an ``EmbeddedValue``) into a message.
    @Test func copyConstant() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestAllTypes.Builder.self)
        try root.setStructList(constStructList)
        try root.setInt32ListList(constListList)
        let copied = try message.reader().root(as: TestAllTypes.Reader.self)
        #expect(try copied.structList.map { try $0.b } == ["", "b"])
        #expect(try copied.int32ListList.toArray().map { Array($0) } == [[1], [2, 3], []])
    }
}
