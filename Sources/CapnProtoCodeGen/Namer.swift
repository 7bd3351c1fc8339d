// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Turns schema names into Swift identifiers that compile wherever they are used.
enum Namer {
    /// Words that need backticks as member names.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super", "throws",
        "true", "try", "Any", "Protocol", "Type", "await", "async", "some", "any", "consume", "copy",
        "borrowing", "consuming", "discard", "each", "package", "macro",
    ]

    /// Names that backticks do not rescue in every position, or that clash with generated members.
    static let renamed: Set<String> = [
        "self", "Self", "Type", "Protocol", "init", "deinit", "subscript", "super", "Any", "_reader",
        "_builder", "which", "_discriminant", "hashValue",
    ]

    /// A property, case or parameter name.
    static func member(_ name: String) -> String {
        if renamed.contains(name) { return name + "_" }
        return keywords.contains(name) ? "`\(name)`" : name
    }

    /// A name to put after `has`, `init` or `set`.
    static func suffix(_ name: String) -> String { capitalized(name) }

    /// Type names reserved inside every generated struct namespace.
    static let reservedTypes: Set<String> = [
        "Reader", "Builder", "Which", "Methods", "Type", "Protocol", "Self", "Any", "String", "Bool",
    ]

    /// A type name.
    static func type(_ name: String) -> String {
        if reservedTypes.contains(name) || keywords.contains(name) { return name + "_" }
        return name
    }

    /// A qualified type name flattened into one identifier (`A.B_` becomes `A_B_`).
    static func typeIdentifier(_ qualified: String) -> String { String(qualified.map { $0 == "." ? "_" : $0 }) }

    static func capitalized(_ name: String) -> String { name.prefix(1).uppercased() + name.dropFirst() }

    /// A Swift string literal for `text`.
    static func stringLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
