// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Cmdliner's `float` converter (OCaml's `float_of_string`, which also allows `_` between digits).
public enum OCamlFloat {
    /// The number in `text`.
    ///
    /// - Throws: ``UsageError`` with Cmdliner's message for positional argument `name`.
    public static func parse(_ text: String, argument name: String = "RATE") throws -> Double {
        let digits = text.filter { $0 != "_" }
        guard !text.hasPrefix("_"), let value = Double(digits) else {
            throw UsageError(
                "\(name) argument: invalid value '\(text)', expected a floating point number",
                wraps: true
            )
        }
        return value
    }
}
