// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Accumulates indented Swift source.
struct CodePrinter {
    private(set) var output = ""
    private var indent = 0

    mutating func line(_ text: String = "") {
        if text.isEmpty {
            output += "\n"
        } else {
            output += String(repeating: "    ", count: indent) + text + "\n"
        }
    }

    /// Prints `header {`, the body one level deeper, then `}`.
    mutating func block(_ header: String, _ body: (inout CodePrinter) throws -> Void) rethrows {
        line(header + " {")
        indent += 1
        try body(&self)
        indent -= 1
        line("}")
    }

    /// Prints a doc comment, one `///` line per source line.
    mutating func doc(_ comment: String?) {
        guard let comment, !comment.isEmpty else { return }
        var lines = comment.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop(while: { $0 == " " }).reversed())
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        for text in lines { line(text.isEmpty ? "///" : "/// " + text) }
    }
}
