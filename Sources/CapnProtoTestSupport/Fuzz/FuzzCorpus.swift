// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// The committed corpora of the fuzz targets in Fuzz/, for the tests that replay them.
public enum FuzzCorpus {
    /// The files of `Fuzz/<target>/corpus` in this checkout, sorted by name.
    public static func files(of target: String) throws -> [URL] {
        // This file's own path (not a default argument, which would be the caller's).
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Fuzz
            .deletingLastPathComponent()  // CapnProtoTestSupport
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()
        let corpus = root.appendingPathComponent("Fuzz/\(target)/corpus")
        return try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
