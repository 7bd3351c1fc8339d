// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import CapnProtoCodeGen

@Suite struct NamerTests {
    /// Keywords are escaped with backticks; ordinary names pass through.
    @Test(arguments: [
        ("class", "`class`"), ("struct", "`struct`"), ("protocol", "`protocol`"), ("in", "`in`"),
        ("return", "`return`"), ("where", "`where`"), ("func", "`func`"), ("enum", "`enum`"),
        ("case", "`case`"), ("import", "`import`"), ("true", "`true`"), ("nil", "`nil`"),
        ("throws", "`throws`"), ("try", "`try`"), ("async", "`async`"), ("await", "`await`"),
        ("any", "`any`"), ("repeat", "`repeat`"), ("guard", "`guard`"), ("default", "`default`"),
        ("foo", "foo"), ("type", "type"), ("description", "description"), ("Class", "Class"),
        ("classy", "classy"), ("const", "const"),
    ])
    func memberEscapesKeywords(name: String, expected: String) {
        #expect(Namer.member(name) == expected)
    }

    /// Names backticks cannot rescue everywhere, or that clash with generated members, get a `_`.
    @Test(arguments: [
        ("self", "self_"), ("Self", "Self_"), ("Type", "Type_"), ("Protocol", "Protocol_"),
        ("init", "init_"), ("deinit", "deinit_"), ("subscript", "subscript_"), ("super", "super_"),
        ("Any", "Any_"), ("which", "which_"), ("_reader", "_reader_"), ("_builder", "_builder_"),
        ("_discriminant", "_discriminant_"), ("hashValue", "hashValue_"),
    ])
    func memberRenamesUnrescuableNames(name: String, expected: String) {
        #expect(Namer.member(name) == expected)
    }

    @Test(arguments: [
        ("Reader", "Reader_"), ("Builder", "Builder_"), ("Which", "Which_"), ("Methods", "Methods_"),
        ("Type", "Type_"), ("Protocol", "Protocol_"), ("Self", "Self_"), ("Any", "Any_"),
        ("String", "String_"), ("Bool", "Bool_"), ("class", "class_"), ("Node", "Node"), ("JobDescr", "JobDescr"),
    ])
    func typeNames(name: String, expected: String) {
        #expect(Namer.type(name) == expected)
    }

    @Test func capitalizedAndSuffix() {
        #expect(Namer.capitalized("fooBar") == "FooBar")
        #expect(Namer.capitalized("") == "")
        #expect(Namer.suffix("class") == "Class")
        #expect(Namer.suffix("x") == "X")
    }

    @Test(arguments: [
        ("", #""""#),
        ("plain", #""plain""#),
        ("quote\"", #""quote\"""#),
        ("back\\slash", #""back\\slash""#),
        ("tab\tnewline\ncr\r", #""tab\tnewline\ncr\r""#),
        ("\u{01}\u{1F}\u{7F}", #""\u{1}\u{1f}\u{7f}""#),
        ("\0", #""\u{0}""#),
        ("é€😀", "\"é€😀\""),
        ("\\(interpolation)", #""\\(interpolation)""#),
        ("#\"raw\"#", ##""#\"raw\"#""##),
    ])
    func stringLiteral(text: String, expected: String) {
        #expect(Namer.stringLiteral(text) == expected)
    }

    @Test func hex() {
        #expect(Namer.hex(0) == "0x0")
        #expect(Namer.hex(0xA93F_C509_624C_72D9) == "0xa93fc509624c72d9")
        #expect(Namer.hex(.max) == "0xffffffffffffffff")
    }
}
