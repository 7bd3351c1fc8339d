// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterAPI
import Testing

/// `ocamlQuoted` against what OCaml 4.13 prints with `Printf.printf "%S"` for the same bytes.
@Suite struct OCamlQuotedTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        ("a\"b", #""a\"b""#),
        ("back\\slash", #""back\\slash""#),
        ("nl\nx", #""nl\nx""#),
        ("tab\tx", #""tab\tx""#),
        ("cr\rx", #""cr\rx""#),
        ("bs\u{08}x", #""bs\bx""#),
        ("\u{00}\u{01}\u{1F}\u{7F}", #""\000\001\031\127""#),
        ("caf\u{E9}", #""caf\195\169""#),
        ("sq'x", #""sq'x""#),
        ("~ !", #""~ !""#),
    ])
    func matchesOCaml(_ text: String, _ expected: String) {
        #expect(ocamlQuoted(text) == expected)
    }
}
