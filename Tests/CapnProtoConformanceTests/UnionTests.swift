// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// One `test-union-*.txt` fixture: how to build it in Swift and what reading it must give.
struct UnionCase: Sendable, CustomTestStringConvertible {
    let fixture: String
    let build: @Sendable (TestUnion.Builder) -> Void
    let check: @Sendable (TestUnion.Reader) throws -> Void
    var testDescription: String { fixture }

    static let all: [UnionCase] = [
        UnionCase(
            fixture: "test-union-flag",
            build: { root in
                root.flag = true
                root.before = "before flag"
                let rect = root.shape.initRect()
                rect.width = 0.5
                rect.height = 0.25
                root.after = 6
            },
            check: { root in
                guard case .flag(let flag) = try root.which else {
                    Issue.record("expected flag, got \(try root.which)")
                    return
                }
                #expect(flag == true)
                #expect(try root.before == "before flag")
                guard case .rect(let rect) = try root.shape.which else {
                    Issue.record("expected shape.rect")
                    return
                }
                #expect(rect.width == 0.5 && rect.height == 0.25)
                #expect(root.after == 6)
            }
        ),
        UnionCase(
            fixture: "test-union-i32",
            build: { root in
                root.i32 = -2_147_483_648
                root.before = "before i32"
                root.shape.circle = 2.5
                root.after = 2
            },
            check: { root in
                guard case .i32(let value) = try root.which else {
                    Issue.record("expected i32, got \(try root.which)")
                    return
                }
                #expect(value == .min)
                #expect(try root.before == "before i32")
                guard case .circle(let radius) = try root.shape.which else {
                    Issue.record("expected shape.circle")
                    return
                }
                #expect(radius == 2.5)
                #expect(root.after == 2)
            }
        ),
        UnionCase(
            fixture: "test-union-none",
            build: { root in
                root.setNone()
                root.before = "before none"
                root.shape.circle = 1.5
                root.after = 1
            },
            check: { root in
                guard case .none = try root.which else {
                    Issue.record("expected none, got \(try root.which)")
                    return
                }
                #expect(try root.before == "before none")
                guard case .circle(let radius) = try root.shape.which else {
                    Issue.record("expected shape.circle")
                    return
                }
                #expect(radius == 1.5)
                #expect(root.after == 1)
            }
        ),
        UnionCase(
            fixture: "test-union-numbers",
            build: { root in
                root.setNumbers([3, 1, 4, 1, 5, 9, 2, 6])
                root.before = "before numbers"
                root.shape.setEmpty()
                root.after = 7
            },
            check: { root in
                guard case .numbers(let numbers) = try root.which else {
                    Issue.record("expected numbers, got \(try root.which)")
                    return
                }
                #expect(Array(numbers) == [3, 1, 4, 1, 5, 9, 2, 6])
                #expect(try root.before == "before numbers")
                guard case .empty = try root.shape.which else {
                    Issue.record("expected shape.empty")
                    return
                }
                #expect(root.after == 7)
            }
        ),
        UnionCase(
            fixture: "test-union-point",
            build: { root in
                let point = root.initPoint()
                point.x = -1.25
                point.y = 1e100
                root.before = "before point"
                root.shape.circle = 0.5
                root.after = 5
            },
            check: { root in
                guard case .point(let point) = try root.which else {
                    Issue.record("expected point, got \(try root.which)")
                    return
                }
                #expect(point.x == -1.25 && point.y == 1e100)
                #expect(try root.before == "before point")
                guard case .circle(let radius) = try root.shape.which else {
                    Issue.record("expected shape.circle")
                    return
                }
                #expect(radius == 0.5)
                #expect(root.after == 5)
            }
        ),
        UnionCase(
            fixture: "test-union-shape-circle",
            build: { root in
                root.i32 = 1
                root.shape.circle = 6.25
            },
            check: { root in
                guard case .i32(1) = try root.which, case .circle(6.25) = try root.shape.which else {
                    Issue.record("expected i32 = 1, shape.circle = 6.25")
                    return
                }
                #expect(!root.hasBefore && root.after == 0)
            }
        ),
        UnionCase(
            fixture: "test-union-shape-empty",
            build: { root in
                root.i32 = 3
                root.shape.setEmpty()
                root.after = 65535
            },
            check: { root in
                guard case .i32(3) = try root.which, case .empty = try root.shape.which else {
                    Issue.record("expected i32 = 3, shape.empty")
                    return
                }
                #expect(root.after == 65535)
            }
        ),
        UnionCase(
            fixture: "test-union-shape-rect",
            build: { root in
                root.i32 = 2
                let rect = root.shape.initRect()
                rect.width = 1920
                rect.height = 1080
            },
            check: { root in
                guard case .i32(2) = try root.which, case .rect(let rect) = try root.shape.which else {
                    Issue.record("expected i32 = 2, shape.rect")
                    return
                }
                #expect(rect.width == 1920 && rect.height == 1080)
                #expect(root.shape.rect.width == 1920)
            }
        ),
        UnionCase(
            fixture: "test-union-small",
            build: { root in
                let small = root.initSmall()
                small.a = 42
                small.b = "small in union"
                small.setC([1, 2])
                root.before = "before small"
                let rect = root.shape.initRect()
                rect.width = 3
                rect.height = 4
                root.after = 4
            },
            check: { root in
                guard case .small(let small) = try root.which else {
                    Issue.record("expected small, got \(try root.which)")
                    return
                }
                #expect(small.a == 42)
                #expect(try small.b == "small in union")
                #expect(try Array(small.c) == [1, 2])
                #expect(try root.before == "before small")
                guard case .rect(let rect) = try root.shape.which else {
                    Issue.record("expected shape.rect")
                    return
                }
                #expect(rect.width == 3 && rect.height == 4)
                #expect(root.after == 4)
            }
        ),
        UnionCase(
            fixture: "test-union-text",
            build: { root in
                root.text = "union text"
                root.before = "before text"
                root.shape.setEmpty()
                root.after = 3
            },
            check: { root in
                guard case .text(let text) = try root.which else {
                    Issue.record("expected text, got \(try root.which)")
                    return
                }
                #expect(text == "union text")
                #expect(try root.before == "before text")
                guard case .empty = try root.shape.which else {
                    Issue.record("expected shape.empty")
                    return
                }
                #expect(root.after == 3)
            }
        ),
    ]
}

@Suite struct UnionTests {
    @Test func everyFixtureHasACase() throws {
        let names = try CapnpTool.fixtureNames(prefix: "test-union-")
        #expect(names == UnionCase.all.map(\.fixture).sorted())
    }

    /// `capnp encode` of each fixture reads back with the right arm and payload.
    @Test(arguments: UnionCase.all, [false, true])
    func fixtureReadsBack(_ union: UnionCase, packed: Bool) throws {
        let bytes = try CapnpTool.encodeFixture(union.fixture, type: "TestUnion", packed: packed)
        try union.check(CapnpTool.read(bytes, packed: packed).root(as: TestUnion.Reader.self))
    }

    /// Each arm built in Swift prints as `capnp` prints the fixture.
    @Test(arguments: UnionCase.all)
    func builtInSwiftDecodesLikeFixture(_ union: UnionCase) throws {
        let message = MessageBuilder()
        union.build(message.initRoot(TestUnion.Builder.self))
        let expected = try CapnpTool.canonicalText(union.fixture, type: "TestUnion")
        #expect(try CapnpTool.decode(message, type: "TestUnion") == expected)
        try union.check(message.reader().root(as: TestUnion.Reader.self))
    }

    /// Setting an arm sets the discriminant; a zeroed message holds the first arm.
    @Test func discriminants() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestUnion.Builder.self)
        #expect(root._discriminant == 0 && root.shape._discriminant == 0)
        root.text = "x"
        #expect(root._discriminant == 2)
        root.flag = false
        #expect(root._discriminant == 5)
        _ = root.initPoint()
        #expect(root._discriminant == 4)
        root.shape.setEmpty()
        #expect(root.shape._discriminant == 2)
        _ = root.shape.initRect()
        #expect(root.shape._discriminant == 1)
        #expect(root._discriminant == 4)
    }

    /// Selecting a group arm zeroes the group, whose fields share space with the other arms
    /// (as C++'s `initRect()` does): `shape.circle` and `shape.rect.width` are the same word.
    @Test func initGroupArmClearsIt() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestUnion.Builder.self)
        root.shape.circle = 6.25
        root.shape.initRect().height = 2
        #expect(root.shape.rect.width == 0)
        #expect(try CapnpTool.decode(message, type: "TestUnion").contains("rect = (width = 0, height = 2)"))
        root.i32 = -1
        let point = root.initPoint()
        #expect(point.x == 0 && point.y == 0)
        #expect(root._discriminant == 4)
    }

    /// A discriminant from a newer schema reads as `_unknown`.
    @Test func unknownDiscriminant() throws {
        let message = MessageBuilder()
        let root = message.initRoot(TestUnion.Builder.self)
        root._builder.write(UInt16(77), at: 0)
        guard case ._unknown(77) = try message.reader().root(as: TestUnion.Reader.self).which else {
            Issue.record("expected _unknown(77)")
            return
        }
    }
}
