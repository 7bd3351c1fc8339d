// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

@Suite struct GroupTests {
    static func buildAlpha(_ root: TestGroups.Builder) {
        root.id = 12_345_678_901_234_567_890
        root.location.lat = 51.5
        root.location.lon = -0.125
        root.location.label = "London"
        root.owner.name = "alice"
        root.owner.contact.email = "alice@example.org"
        root.owner.address.street = "1 Main St"
        root.owner.address.city = "Cambridge"
        let alpha = root.initAlpha()
        alpha.count = 7
        alpha.tag = "alpha tag"
    }

    static func buildBeta(_ root: TestGroups.Builder) {
        root.id = 1
        root.location.lat = -33.75
        root.location.lon = 151.25
        root.location.label = "Sydney"
        root.owner.name = "bob"
        root.owner.contact.phone = "+61 2 0000 0000"
        root.owner.address.city = "Sydney"
        let beta = root.initBeta()
        beta.ratio = 0.75
        beta.on = true
    }

    static func checkAlpha(_ root: TestGroups.Reader) throws {
        #expect(root.id == 12_345_678_901_234_567_890)
        #expect(root.location.lat == 51.5 && root.location.lon == -0.125)
        #expect(try root.location.label == "London")
        #expect(try root.owner.name == "alice")
        guard case .email(let email) = try root.owner.contact.which else {
            Issue.record("expected owner.contact.email")
            return
        }
        #expect(email == "alice@example.org")
        #expect(try root.owner.address.street == "1 Main St")
        #expect(try root.owner.address.city == "Cambridge")
        guard case .alpha(let alpha) = try root.which else {
            Issue.record("expected alpha")
            return
        }
        #expect(alpha.count == 7)
        #expect(try alpha.tag == "alpha tag")
    }

    static func checkBeta(_ root: TestGroups.Reader) throws {
        #expect(root.id == 1)
        #expect(root.location.lat == -33.75 && root.location.lon == 151.25)
        #expect(try root.location.label == "Sydney")
        #expect(try root.owner.name == "bob")
        guard case .phone(let phone) = try root.owner.contact.which else {
            Issue.record("expected owner.contact.phone")
            return
        }
        #expect(phone == "+61 2 0000 0000")
        #expect(!root.owner.address.hasStreet)
        #expect(try root.owner.address.city == "Sydney")
        guard case .beta(let beta) = try root.which else {
            Issue.record("expected beta")
            return
        }
        #expect(beta.ratio == 0.75 && beta.on)
    }

    @Test(arguments: ["alpha", "beta"], [false, true])
    func fixtureReadsBack(arm: String, packed: Bool) throws {
        let bytes = try CapnpTool.encodeFixture("test-groups-\(arm)", type: "TestGroups", packed: packed)
        let root = try CapnpTool.read(bytes, packed: packed).root(as: TestGroups.Reader.self)
        try arm == "alpha" ? Self.checkAlpha(root) : Self.checkBeta(root)
    }

    @Test(arguments: ["alpha", "beta"])
    func builtInSwiftDecodesLikeFixture(arm: String) throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestGroups.Builder.self)
        arm == "alpha" ? Self.buildAlpha(root) : Self.buildBeta(root)
        let expected = try CapnpTool.canonicalText("test-groups-\(arm)", type: "TestGroups")
        #expect(try CapnpTool.decode(message, type: "TestGroups") == expected)
    }

    /// A group's builder reads back what its fields hold.
    @Test func groupBuildersReadBack() {
        let message = MessageBuilder()
        let root = message.initRoot(TestGroups.Builder.self)
        Self.buildAlpha(root)
        #expect(root.location.label == "London")
        #expect(root.owner.contact._discriminant == 1)
        #expect(root.owner.contact.email == "alice@example.org")
        #expect(root.alpha.count == 7)
        #expect(root._discriminant == 0)
    }
}

@Suite struct KeywordTests {
    static func build(_ root: TestKeywords.Builder) {
        root.class = 1
        root.struct = "struct"
        root.protocol = true
        root.self_ = 3
        root.init_ = 4
        root.default = 5
        root.in = 6
        root.is = true
        root.return = "return"
        root.where = 9
        root.let = 10
        root.var = 11
        root.func = 12
        root.enum = .protocol
        root.case = 14
        root.switch = 15
        root.if = 16
        root.setFor([1, 2, 3])
        root.import = "import"
        root.true = true
        root.false = true
        root.nil = 21
        root.super_ = 22
        root.throws = 23
        root.try = 24
        root.async = 25
        root.await = 26
        root.operator = 27
        root.extension = 28
        root.typealias = 29
        root.internal = 30
        root.public = 31
        root.static = 32
        root.inout = 33
        root.subscript_ = 34
        root.description = "description"
        root.hashValue_ = 36
        root.type = 37
        root.initProtocolField().value = 38
        root.initSelfField().value = 39
        root.initAny().value = 40
        root.guard = "guard"
    }

    static func check(_ root: TestKeywords.Reader) throws {
        #expect(root.class == 1)
        #expect(try root.struct == "struct")
        #expect(root.protocol)
        #expect(root.self_ == 3)
        #expect(root.init_ == 4)
        #expect(root.default == 5)
        #expect(root.in == 6)
        #expect(root.is)
        #expect(try root.return == "return")
        #expect(root.where == 9)
        #expect(root.let == 10)
        #expect(root.var == 11)
        #expect(root.func == 12)
        #expect(root.enum == .protocol)
        #expect(root.case == 14)
        #expect(root.switch == 15)
        #expect(root.if == 16)
        #expect(try Array(root.for) == [1, 2, 3])
        #expect(try root.import == "import")
        #expect(root.true)
        #expect(root.false)
        #expect(root.nil == 21)
        #expect(root.super_ == 22)
        #expect(root.throws == 23)
        #expect(root.try == 24)
        #expect(root.async == 25)
        #expect(root.await == 26)
        #expect(root.operator == 27)
        #expect(root.extension == 28)
        #expect(root.typealias == 29)
        #expect(root.internal == 30)
        #expect(root.public == 31)
        #expect(root.static == 32)
        #expect(root.inout == 33)
        #expect(root.subscript_ == 34)
        #expect(try root.description == "description")
        #expect(root.hashValue_ == 36)
        #expect(root.type == 37)
        #expect(try root.protocolField.value == 38)
        #expect(try root.selfField.value == 39)
        #expect(try root.any.value == 40)
        guard case .guard(let text) = try root.which else {
            Issue.record("expected guard, got \(try root.which)")
            return
        }
        #expect(text == "guard")
    }

    @Test(arguments: [false, true])
    func fixtureReadsBack(packed: Bool) throws {
        let bytes = try CapnpTool.encodeFixture("test-keywords", type: "TestKeywords", packed: packed)
        try Self.check(CapnpTool.read(bytes, packed: packed).root(as: TestKeywords.Reader.self))
    }

    @Test func builtInSwiftDecodesLikeFixture() throws {
        let message = MessageBuilder()
        Self.build(message.initRoot(TestKeywords.Builder.self))
        let expected = try CapnpTool.canonicalText("test-keywords", type: "TestKeywords")
        #expect(try CapnpTool.decode(message, type: "TestKeywords") == expected)
        try Self.check(message.reader().root(as: TestKeywords.Reader.self))
    }

    /// Enumerants and union arms named with keywords.
    @Test func keywordEnumerantsAndArms() throws {
        let all: [TestKeywords.Type_] = [.class, .self_, .default, .init_, .protocol, .case]
        #expect(all.map(\.rawValue) == [0, 1, 2, 3, 4, 5])
        #expect(all.map { TestKeywords.Type_(rawValue: $0.rawValue) } == all)
        let message = MessageBuilder()
        let root = message.initRoot(TestKeywords.Builder.self)
        root.repeat = 42
        guard case .repeat(42) = try message.reader().root(as: TestKeywords.Reader.self).which else {
            Issue.record("expected repeat = 42")
            return
        }
        root.setDeinit()
        guard case .deinit_ = try message.reader().root(as: TestKeywords.Reader.self).which else {
            Issue.record("expected deinit")
            return
        }
        #expect(try CapnpTool.decode(message, type: "TestKeywords").contains("deinit = void"))
        #expect(TestKeywordInterface.Methods.class == 0 && TestKeywordInterface.Methods.init_ == 1)
    }
}

@Suite struct DefaultTests {
    /// Checks the defaults of every field `test-defaults-set.txt` leaves alone.
    static func checkUntouchedDefaults(_ root: TestDefaults.Reader) throws {
        #expect(root.int16Field == -12345)
        #expect(root.int64Field == -123_456_789_012_345)
        #expect(root.uint8Field == 234)
        #expect(root.uint16Field == 45678)
        #expect(root.uint32Field == 3_456_789_012)
        #expect(root.uint64Field == 12_345_678_901_234_567_890)
        #expect(root.float32Field == 1234.5)
        #expect(root.float64Field == -123e45)
        #expect(try root.voidList.count == 3)
        #expect(try Array(root.boolList) == [true, false, false, true, true, false, true, false, true])
        #expect(try Array(root.int8List) == [111, -111])
        #expect(try Array(root.int16List) == [11111, -22222])
        #expect(try Array(root.int64List) == [1_111_111_111_111_111_111, -1_111_111_111_111_111_111])
        #expect(try Array(root.uint8List) == [0, 255])
        #expect(try Array(root.uint16List) == [33333, 44444])
        #expect(try Array(root.uint32List) == [3_333_333_333])
        #expect(try Array(root.uint64List) == [11_111_111_111_111_111_111])
        #expect(try sameFloats(root.float32List, [5555.5, .infinity, -.infinity, .nan]))
        #expect(try root.textList.toArray() == ["plugh", "xyzzy", "thud"])
        #expect(try root.dataList.toArray() == [[0x00], [0xFF, 0xFE], []])
        let structs = try root.structList
        #expect(structs.map(\.a) == [1, 2, 0])
        #expect(try structs.map { try $0.b } == ["", "two", ""])
        #expect(try structs.map { Array(try $0.c) } == [[], [], [3]])
        #expect(try Array(root.enumList) == [.foo, .garply])
        #expect(try root.int32ListList.toArray().map { Array($0) } == [[1, 2], [], [3]])
        #expect(!root.hasInterfaceField)
    }

    @Test(arguments: [false, true])
    func emptyReadsEveryDefault(packed: Bool) throws {
        let bytes = try CapnpTool.encodeFixture("test-defaults-empty", type: "TestDefaults", packed: packed)
        let root = try CapnpTool.read(bytes, packed: packed).root(as: TestDefaults.Reader.self)
        #expect(root.boolField == true)
        #expect(root.int8Field == -123)
        #expect(root.int32Field == -12_345_678)
        #expect(try root.textField == "hello" && !root.hasTextField)
        #expect(try root.dataField == [0xAB, 0xCD] && !root.hasDataField)
        let small = try root.structField
        #expect(small.a == 1)
        #expect(try small.b == "x")
        #expect(try Array(small.c) == [10, 20])
        #expect(!root.hasStructField)
        #expect(root.enumField == .corge)
        #expect(try Array(root.int32List) == [1, 2, 3])
        #expect(try sameFloats(root.float64List, [7777.75, .infinity, -.infinity, .nan]))
        let nested = try root.nestedStruct
        #expect(try nested.label == "deep")
        #expect(nested.kind == .third)
        #expect(try nested.inner.value == 99)
        #expect(root.nestedEnum == .second)
        try Self.checkUntouchedDefaults(root)
    }

    /// Fields explicitly set (some to zero / empty values) read back as set, the others as
    /// their defaults.
    @Test(arguments: [false, true])
    func setValuesReadBack(packed: Bool) throws {
        let bytes = try CapnpTool.encodeFixture("test-defaults-set", type: "TestDefaults", packed: packed)
        let root = try CapnpTool.read(bytes, packed: packed).root(as: TestDefaults.Reader.self)
        try Self.checkSet(root)
    }

    static func checkSet(_ root: TestDefaults.Reader) throws {
        #expect(root.boolField == false)
        #expect(root.int8Field == 0)
        #expect(root.int32Field == 1)
        #expect(try root.textField == "" && root.hasTextField)
        #expect(try root.dataField == [] && root.hasDataField)
        let small = try root.structField
        #expect(small.a == 0)
        #expect(try small.b == "" && !small.hasB)
        #expect(try Array(small.c) == [])
        #expect(root.enumField == .foo)
        #expect(try Array(root.int32List) == [] && root.hasInt32List)
        #expect(try Array(root.float64List) == [-1])
        let nested = try root.nestedStruct
        #expect(try nested.label == "shallow")
        #expect(nested.kind == .first)
        #expect(!nested.hasInner)
        #expect(try nested.inner.value == 0)
        #expect(root.nestedEnum == .first)
        try checkUntouchedDefaults(root)
    }

    static func buildSet(_ root: TestDefaults.Builder) {
        root.boolField = false
        root.int8Field = 0
        root.int32Field = 1
        root.textField = ""
        root.dataField = []
        root.initStructField().a = 0
        root.enumField = .foo
        _ = root.initInt32List(count: 0)
        root.setFloat64List([-1])
        root.initNestedStruct().label = "shallow"
        root.nestedEnum = .first
    }

    @Test func setBuiltInSwiftDecodesLikeFixture() throws {
        let message = MessageBuilder()
        Self.buildSet(message.initRoot(TestDefaults.Builder.self))
        let expected = try CapnpTool.canonicalText("test-defaults-set", type: "TestDefaults")
        #expect(try CapnpTool.decode(message, type: "TestDefaults") == expected)
        try Self.checkSet(message.reader().root(as: TestDefaults.Reader.self))
    }

    @Test func emptyBuiltInSwiftDecodesLikeFixture() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestDefaults.Builder.self)
        let expected = try CapnpTool.canonicalText("test-defaults-empty", type: "TestDefaults")
        #expect(try CapnpTool.decode(message, type: "TestDefaults") == expected)
        // A field set to its default is stored as zero bits.
        root.int32Field = -12_345_678
        root.boolField = true
        root.float64Field = -123e45
        root.enumField = .corge
        #expect(message.serialize() == MessageBuilder().serializedEmpty(TestDefaults.Builder.self))
    }

    /// Builder getters fall back to the defaults too.
    @Test func builderGettersReadDefaults() {
        let message = MessageBuilder()
        let root = message.initRoot(TestDefaults.Builder.self)
        #expect(root.boolField && root.int8Field == -123 && root.uint64Field == 12_345_678_901_234_567_890)
        #expect(root.float32Field == 1234.5 && root.float64Field == -123e45)
        #expect(root.textField == "hello" && root.dataField == [0xAB, 0xCD])
        #expect(root.enumField == .corge && root.nestedEnum == .second)
        #expect(root.structField.a == 1 && root.structField.b == "x")
        #expect(root.nestedStruct.inner.value == 99)
        root.int8Field = 5
        root.float32Field = -2
        #expect(root.int8Field == 5 && root.float32Field == -2)
    }
}

extension MessageBuilder {
    /// The serialized form of a message whose root is a fresh struct of type `T`.
    fileprivate func serializedEmpty<T: StructBuilderView>(_ type: T.Type) -> [UInt8] {
        _ = initRoot(type)
        return serialize()
    }
}
