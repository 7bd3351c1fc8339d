// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// A fresh directory under the system temporary directory. ``withTemporaryDirectory(_:_:)``
/// removes it however its body ends; a directory made by ``init(_:)`` is removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "ocluster-test") throws {
        let pattern = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(prefix)-XXXXXX").path
        var template = Array(pattern.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: pattern])
        }
        path = String(cString: made)
    }

    /// `path/relative`.
    public func file(_ relative: String) -> String { path + "/" + relative }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `relative`, making its parent directories.
    public func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: file(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// Runs `body` with the path of a fresh temporary directory and removes the directory afterwards,
/// also when `body` throws.
public func withTemporaryDirectory<R>(
    _ prefix: String = "ocluster-test",
    _ body: (String) async throws -> R
) async throws -> R {
    let directory = try TemporaryDirectory(prefix)
    defer { directory.remove() }
    return try await body(directory.path)
}
