// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Reads S-expressions in sexplib's syntax, recording the position of every atom and list.
///
/// Supported: bare atoms, quoted strings with sexplib's escapes (`\n \t \b \r \\ \" \'`,
/// `\DDD` decimal, `\xHH` hex, and backslash-newline, which skips the next line's leading blanks),
/// `;` line comments, nestable `#| … |#` block comments and `#;` expression comments.
/// Malformed input throws an ``OBuilderError`` with code ``OBuilderError/Code/syntax`` and the
/// position of the offending character; it never traps.
public struct SExpressionParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1
    /// How deep lists may nest before the input is refused (guards the recursion).
    public static let maximumDepth = 200

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// Parses exactly one expression, allowing blanks and comments around it.
    public static func parse(_ text: String) throws(OBuilderError) -> SExpression {
        var parser = SExpressionParser(text)
        try parser.skipBlanks()
        guard parser.index < parser.bytes.count else {
            throw OBuilderError(.syntax, "empty spec: expected an S-expression", position: parser.position)
        }
        let expression = try parser.parseExpression(depth: 0)
        try parser.skipBlanks()
        if let next = parser.peek() {
            let message =
                next == UInt8(ascii: ")")
                ? "unexpected ) after the end of the spec" : "unexpected text after the end of the spec"
            throw OBuilderError(.syntax, message, position: parser.position)
        }
        return expression
    }

    private var position: SourcePosition { SourcePosition(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let at = index + offset
        return at < bytes.count ? bytes[at] : nil
    }

    private mutating func advance() {
        guard index < bytes.count else { return }
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            // Count characters, not bytes: UTF-8 continuation bytes do not move the column.
            column += 1
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    private static func endsAtom(_ byte: UInt8) -> Bool {
        isBlank(byte) || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: ";")
    }

    private mutating func skipBlanks() throws(OBuilderError) {
        while let byte = peek() {
            if Self.isBlank(byte) {
                advance()
            } else if byte == UInt8(ascii: ";") {
                while let next = peek(), next != UInt8(ascii: "\n") { advance() }
            } else if byte == UInt8(ascii: "#"), peek(1) == UInt8(ascii: "|") {
                try skipBlockComment()
            } else if byte == UInt8(ascii: "#"), peek(1) == UInt8(ascii: ";") {
                advance()
                advance()
                try skipBlanks()
                guard peek() != nil, peek() != UInt8(ascii: ")") else {
                    throw OBuilderError(.syntax, "#; must be followed by an expression", position: position)
                }
                _ = try parseExpression(depth: 0)
            } else {
                return
            }
        }
    }

    private mutating func skipBlockComment() throws(OBuilderError) {
        let start = position
        var depth = 0
        repeat {
            guard let byte = peek() else {
                throw OBuilderError(.syntax, "unterminated #| comment", position: start)
            }
            if byte == UInt8(ascii: "#"), peek(1) == UInt8(ascii: "|") {
                depth += 1
                advance()
            } else if byte == UInt8(ascii: "|"), peek(1) == UInt8(ascii: "#") {
                depth -= 1
                advance()
            }
            advance()
        } while depth > 0
    }

    private mutating func parseExpression(depth: Int) throws(OBuilderError) -> SExpression {
        let start = position
        guard let byte = peek() else {
            throw OBuilderError(.syntax, "unexpected end of input", position: start)
        }
        switch byte {
        case UInt8(ascii: "("):
            guard depth < Self.maximumDepth else {
                throw OBuilderError(.syntax, "lists nested too deeply", position: start)
            }
            advance()
            var items: [SExpression] = []
            while true {
                try skipBlanks()
                guard let next = peek() else {
                    throw OBuilderError(.syntax, "unclosed parenthesis: missing )", position: start)
                }
                if next == UInt8(ascii: ")") {
                    advance()
                    return SExpression(.list(items), at: start)
                }
                items.append(try parseExpression(depth: depth + 1))
            }
        case UInt8(ascii: ")"):
            throw OBuilderError(.syntax, "unexpected )", position: start)
        case UInt8(ascii: "\""):
            return SExpression(.atom(try parseQuoted()), at: start)
        default:
            var atom: [UInt8] = []
            while let next = peek(), !Self.endsAtom(next) {
                if next == UInt8(ascii: "#"), peek(1) == UInt8(ascii: "|") || peek(1) == UInt8(ascii: ";") {
                    break
                }
                atom.append(next)
                advance()
            }
            return SExpression(.atom(String(decoding: atom, as: UTF8.self)), at: start)
        }
    }

    private mutating func parseQuoted() throws(OBuilderError) -> String {
        let start = position
        advance()
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw OBuilderError(.syntax, "unterminated string", position: start)
            }
            if byte == UInt8(ascii: "\"") {
                advance()
                return String(decoding: out, as: UTF8.self)
            }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                advance()
                continue
            }
            let escapePosition = position
            advance()
            guard let escaped = peek() else {
                throw OBuilderError(.syntax, "unterminated string", position: start)
            }
            try parseEscape(escaped, at: escapePosition, into: &out)
        }
    }

    private mutating func parseEscape(
        _ escaped: UInt8,
        at escapePosition: SourcePosition,
        into out: inout [UInt8]
    ) throws(OBuilderError) {
        switch escaped {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: " "): out.append(0x20)
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): out.append(escaped)
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            // Backslash-newline: the newline and the next line's leading blanks are dropped.
            advance()
            if escaped == UInt8(ascii: "\r"), peek() == UInt8(ascii: "\n") { advance() }
            while let next = peek(), next == 0x20 || next == 0x09 { advance() }
            return
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            var value = 0
            for offset in 0..<3 {
                guard let digit = peek(offset), digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else {
                    throw OBuilderError(.syntax, "\\DDD escape needs three decimal digits", position: escapePosition)
                }
                value = value * 10 + Int(digit - UInt8(ascii: "0"))
            }
            guard value <= 255 else {
                throw OBuilderError(.syntax, "\\\(value) escape is above 255", position: escapePosition)
            }
            out.append(UInt8(value))
            advance()
            advance()
        case UInt8(ascii: "x"):
            guard let high = peek(1).flatMap(Self.hexValue), let low = peek(2).flatMap(Self.hexValue) else {
                throw OBuilderError(.syntax, "\\x escape needs two hex digits", position: escapePosition)
            }
            out.append(high << 4 | low)
            advance()
            advance()
        default:
            // sexplib keeps unknown escapes as written.
            out.append(UInt8(ascii: "\\"))
            out.append(escaped)
        }
        advance()
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
