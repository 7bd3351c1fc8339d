// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterWorker
import TestSupport

/// A real Git repository made for a test, with helpers to commit on branches.
struct GitTestRepository {
    let directory: TemporaryDirectory
    var path: String { directory.path }
    /// The URL jobs use (`file://`, allowed by tests' ``GitContext``).
    var url: String { "file://" + path }

    static let identity = [
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    ]

    init() async throws {
        directory = try TemporaryDirectory("ocluster-git-source")
        try await git(["init", "-q", "-b", "main"])
    }

    @discardableResult
    func git(_ arguments: [String]) async throws -> String {
        try await shell(["git", "-C", path] + arguments, environment: Self.identity)
    }

    /// Writes `files`, commits them on the current branch and returns the commit hash.
    @discardableResult
    func commit(_ files: [String: String], message: String = "change") async throws -> String {
        for (name, text) in files { try directory.write(name, text) }
        try await git(["add", "-A"])
        try await git(["commit", "-q", "-m", message])
        return try await git(["rev-parse", "HEAD"])
    }

    func remove() { directory.remove() }
}
