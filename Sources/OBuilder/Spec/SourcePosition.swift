// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A place in spec text: 1-based line and column (columns count characters, not bytes).
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    /// The line, starting at 1.
    public var line: Int
    /// The column within the line, starting at 1.
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line 3, column 5`.
    public var description: String { "line \(line), column \(column)" }
}
