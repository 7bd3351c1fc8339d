// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// Paths in this repository's checkout, for tests that run its scripts.
public enum Repository {
    /// The checkout's root: this file is `Sources/TestSupport/Repository.swift`.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// `scripts/`.
    public static let scripts = root + "/scripts"
}
