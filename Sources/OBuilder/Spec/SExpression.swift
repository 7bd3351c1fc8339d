// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An S-expression as read by ``SExpressionParser``: an atom or a list, with where it started.
///
/// Equality ignores positions, so a printed and re-parsed expression equals the original.
public struct SExpression: Hashable, Sendable, CustomStringConvertible {
    /// The content of an expression.
    public enum Value: Hashable, Sendable {
        case atom(String)
        case list([SExpression])
    }

    /// The atom or list.
    public var value: Value
    /// Where the expression starts (the atom's first character or the opening parenthesis).
    public var position: SourcePosition

    public init(_ value: Value, at position: SourcePosition = SourcePosition(line: 0, column: 0)) {
        self.value = value
        self.position = position
    }

    /// An atom with no position (for building expressions in code).
    public static func atom(_ text: String) -> SExpression { SExpression(.atom(text)) }
    /// A list with no position (for building expressions in code).
    public static func list(_ items: [SExpression]) -> SExpression { SExpression(.list(items)) }

    /// The atom's text, or nil for a list.
    public var atomText: String? {
        if case .atom(let text) = value { return text }
        return nil
    }

    /// The list's items, or nil for an atom.
    public var listItems: [SExpression]? {
        if case .list(let items) = value { return items }
        return nil
    }

    public static func == (lhs: SExpression, rhs: SExpression) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    /// The expression on one line, atoms quoted only when they must be (like sexplib's machine form
    /// with single spaces between items).
    public var description: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch value {
        case .atom(let text):
            out += Self.quoted(text)
        case .list(let items):
            out += "("
            for (index, item) in items.enumerated() {
                if index > 0 { out += " " }
                item.write(to: &out)
            }
            out += ")"
        }
    }

    /// `text` as it must be written to read back as one atom: bare when it can be, else quoted.
    public static func quoted(_ text: String) -> String {
        guard needsQuotes(text) else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let digits = String(scalar.value)
                    out += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func needsQuotes(_ text: String) -> Bool {
        if text.isEmpty { return true }
        if text.contains("#|") || text.contains("|#") || text.hasPrefix("#;") { return true }
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ", "\t", "\n", "\r", "\u{0C}", "(", ")", "\"", ";", "\\": return true
            default: if scalar.value < 0x20 || scalar.value == 0x7F { return true }
            }
        }
        return false
    }
}
