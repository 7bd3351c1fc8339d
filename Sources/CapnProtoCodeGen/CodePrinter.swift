// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Accumulates indented Swift source.
struct CodePrinter {
    private(set) var output = ""
    private var indent = 0
    /// Whether public members printed now are marked `@inlinable`, so that code using a
    /// generated accessor from another module compiles it down to the loads it stands for.
    var inlinable = false
    /// Whether public properties printed now are also always inlined: a reader's pointer
    /// getters, whose fast paths only shed their reference counting once inlined into the caller.
    var alwaysInline = false

    mutating func line(_ text: String = "") {
        if text.isEmpty {
            output += "\n"
        } else {
            var attributes = ""
            if inlinable && Self.inlinablePrefixes.contains(where: { text.hasPrefix($0) }) {
                attributes =
                    alwaysInline && text.hasPrefix("public var ") ? "@inlinable @inline(__always) " : "@inlinable "
            }
            output += String(repeating: "    ", count: indent) + attributes + text + "\n"
        }
    }

    private static let inlinablePrefixes = ["public var ", "public func ", "public init", "public static var "]

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
