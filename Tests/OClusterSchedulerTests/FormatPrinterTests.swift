// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OClusterScheduler

@Suite struct FormatPrinterTests {
    private let xs = String(repeating: "x", count: 70)

    private func packed(_ pieces: [String]) -> String {
        var printer = FormatPrinter()
        printer.openBox(.packing)
        for (index, piece) in pieces.enumerated() {
            if index > 0 { printer.space() }
            printer.text(piece)
        }
        printer.closeBox()
        return printer.finish()
    }

    /// A line may reach column 77; anything reaching column 78 moves to the next line.
    @Test func breaksBeforeTheMargin() {
        #expect(packed([xs, "yyyyyy"]) == xs + " yyyyyy\n")
        #expect(packed([xs, "yyyyyyy"]) == xs + "\nyyyyyyy\n")
        #expect(packed([xs, "yyyyyy", "z"]) == xs + " yyyyyy\nz\n")
        #expect(packed([xs, "yyyyyyy", "z"]) == xs + "\nyyyyyyy z\n")
    }

    /// Continuation lines of a packing box start where the box was opened.
    @Test func continuationAlignsWithBox() {
        var printer = FormatPrinter()
        printer.text("prefix: [")
        printer.openBox(.packing)
        for index in 0..<12 {
            if index > 0 { printer.space() }
            printer.text("item-\(index)")
        }
        printer.closeBox()
        printer.text("]")
        let expected = """
            prefix: [item-0 item-1 item-2 item-3 item-4 item-5 item-6 item-7 item-8
                     item-9 item-10 item-11]

            """
        #expect(printer.finish() == expected)
    }

    /// A box cannot open beyond column 68: the line is broken first.
    @Test func maximumIndentation() {
        var printer = FormatPrinter()
        printer.text(xs)
        printer.openBox(.packing)
        printer.text("a")
        printer.space()
        printer.text("b")
        printer.closeBox()
        #expect(printer.finish() == xs + "\na b\n")
    }

    @Test func verticalBoxIndents() {
        var printer = FormatPrinter()
        printer.openBox(.vertical, indent: 2)
        printer.text("head:")
        printer.cut()
        printer.text("one")
        printer.cut()
        printer.text("two")
        printer.closeBox()
        #expect(printer.finish() == "head:\n  one\n  two\n")
    }

    @Test func fixedPointLikeC() {
        #expect(OCamlFloatFormat.fixed0(2.5) == "2")
        #expect(OCamlFloatFormat.fixed0(3.5) == "4")
        #expect(OCamlFloatFormat.fixed0(0.5) == "0")
        #expect(OCamlFloatFormat.fixed0(-0.4) == "-0")
        #expect(OCamlFloatFormat.fixed0(-5) == "-5")
        #expect(OCamlFloatFormat.fixed0(0x1p70) == "1180591620717411303424")
        #expect(OCamlFloatFormat.fixed0(.infinity) == "inf")
    }

    @Test func roughDurations() {
        #expect(OCamlFloatFormat.roughDuration(119.4) == "119s")
        #expect(OCamlFloatFormat.roughDuration(-5) == "-5s")
        #expect(OCamlFloatFormat.roughDuration(120) == "2m")
        #expect(OCamlFloatFormat.roughDuration(150) == "2m")
        #expect(OCamlFloatFormat.roughDuration(210) == "4m")
    }
}
