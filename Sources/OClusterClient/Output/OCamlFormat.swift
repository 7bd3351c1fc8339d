// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The line filling OCaml's `Format` does when ocluster prints a list with `Fmt.pr`, so lists of
/// workers come out on the same lines as ocluster's.
///
/// ocluster prints such lists in Format's outermost box, where each separator is a break hint:
/// a space when the next item (and its separator text) fits before the margin of 78 columns, a
/// newline otherwise. A break is also taken when the item would exactly reach the margin, and
/// the last break of the line is always a newline, because the final `@.` flushes it before its
/// size is known. Lengths count bytes, as OCaml does.
enum OCamlFormat {
    static let margin = 78

    /// `prefix`, the items separated by `separator` and a break, then `suffix`.
    static func filled(prefix: String, items: [String], separator: String, suffix: String) -> String {
        var out = prefix
        var column = prefix.utf8.count
        for (index, item) in items.enumerated() {
            let isLast = index == items.count - 1
            let text = isLast ? item : item + separator
            if index > 0 {
                if isLast || 1 + text.utf8.count >= margin - column {
                    out += "\n"
                    column = 0
                } else {
                    out += " "
                    column += 1
                }
            }
            out += text
            column += text.utf8.count
        }
        return out + suffix
    }
}
