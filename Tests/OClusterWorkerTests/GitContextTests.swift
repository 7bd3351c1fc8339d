// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterWorker
import TestSupport
import Testing

@Suite("Git build contexts from real repositories")
struct GitContextTests {
    /// Checks out `commits` from `repository` and returns the context's file listing and contents.
    private func checkOut(
        _ repository: String,
        _ commits: [String],
        includeGit: Bool = false,
        state: TemporaryDirectory,
        log: LogData = LogData()
    ) async throws -> [String: String] {
        let context = try GitContext(stateDirectory: state.path, allowedSchemes: ["file"])
        let source = GitContext.Source(repository: repository, commits: commits, includeGit: includeGit)
        var seenDirectory = ""
        let files = try await context.withContext(source, log: log, cancel: CancelSwitch()) { directory in
            seenDirectory = directory
            var files: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
                files[name] =
                    isDirectory.boolValue
                    ? "<dir>" : try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            }
            return files
        }
        #expect(!FileManager.default.fileExists(atPath: seenDirectory), "the context is removed afterwards")
        return files
    }

    @Test("A single commit is checked out without .git, and is cached for the next job")
    func singleCommit() async throws {
        let repo = try await GitTestRepository()
        let state = try TemporaryDirectory()
        defer {
            repo.remove()
            state.remove()
        }
        let first = try await repo.commit(["a.txt": "one\n", "sub/b.txt": "two\n"])
        try await repo.commit(["a.txt": "changed later\n"])

        let log = LogData()
        let files = try await checkOut(repo.url, [first], state: state, log: log)
        #expect(files == ["a.txt": "one\n", "sub": "<dir>"])
        #expect(!log.text.contains("All commits already cached"))

        let again = LogData()
        #expect(try await checkOut(repo.url, [first], state: state, log: again) == files)
        #expect(again.text.contains("All commits already cached"))
        let caches = try FileManager.default.contentsOfDirectory(atPath: state.path + "/git")
        #expect(caches.count == 1)
        #expect(caches.first?.hasPrefix(URL(fileURLWithPath: repo.path).lastPathComponent + "-") == true)
    }

    @Test("Two commits from different branches are merged")
    func twoCommitsMerged() async throws {
        let repo = try await GitTestRepository()
        let state = try TemporaryDirectory()
        defer {
            repo.remove()
            state.remove()
        }
        try await repo.commit(["base.txt": "base\n"])
        try await repo.git(["checkout", "-q", "-b", "left"])
        let left = try await repo.commit(["left.txt": "L\n"])
        try await repo.git(["checkout", "-q", "main"])
        try await repo.git(["checkout", "-q", "-b", "right"])
        let right = try await repo.commit(["right.txt": "R\n"])

        let files = try await checkOut(repo.url, [left, right], state: state)
        #expect(files == ["base.txt": "base\n", "left.txt": "L\n", "right.txt": "R\n"])
        // The next job starts again from a clean checkout of its own first commit.
        #expect(try await checkOut(repo.url, [right], state: state) == ["base.txt": "base\n", "right.txt": "R\n"])
    }

    @Test("A merge conflict is reported with the conflicting files")
    func mergeConflict() async throws {
        let repo = try await GitTestRepository()
        let state = try TemporaryDirectory()
        defer {
            repo.remove()
            state.remove()
        }
        try await repo.commit(["shared.txt": "base\n"])
        try await repo.git(["checkout", "-q", "-b", "left"])
        let left = try await repo.commit(["shared.txt": "left\n"])
        try await repo.git(["checkout", "-q", "main"])
        let right = try await repo.commit(["shared.txt": "right\n"])

        let error = await #expect(throws: WorkerError(.git, "")) {
            try await checkOut(repo.url, [left, right], state: state)
        }
        #expect(error?.message == "Merge conflict merging \(right) into \(left): shared.txt")
        // The cache is usable afterwards.
        #expect(try await checkOut(repo.url, [right], state: state) == ["shared.txt": "right\n"])
    }

    @Test("A commit the repository does not have is a clear error")
    func missingCommit() async throws {
        let repo = try await GitTestRepository()
        let state = try TemporaryDirectory()
        defer {
            repo.remove()
            state.remove()
        }
        try await repo.commit(["a.txt": "a\n"])
        let missing = String(repeating: "ab", count: 20)
        let error = await #expect(throws: WorkerError(.git, "")) {
            try await checkOut(repo.url, [missing], state: state)
        }
        #expect(error?.message == "Commit \(missing) not found in \(repo.url)")
        let short = await #expect(throws: WorkerError(.invalidRequest, "")) {
            try await checkOut(repo.url, ["abc123"], state: state)
        }
        #expect(short?.message.contains("Invalid commit hash \"abc123\"") == true)
    }

    @Test("Bad URLs: a missing repository, a forbidden scheme, no scheme")
    func badURLs() async throws {
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let commit = String(repeating: "0", count: 40)
        let missing = await #expect(throws: WorkerError(.git, "")) {
            try await checkOut("file:///nonexistent/repository.git", [commit], state: state)
        }
        #expect(
            missing?.message.hasPrefix("Cannot fetch from file:///nonexistent/repository.git: git-fetch failed") == true
        )
        let scheme = await #expect(throws: WorkerError(.invalidRequest, "")) {
            try await checkOut("ftp://example.org/repo.git", [commit], state: state)
        }
        #expect(scheme?.message == "Unsupported scheme \"ftp\" in URL ftp://example.org/repo.git")
        let none = await #expect(throws: WorkerError(.invalidRequest, "")) {
            try await checkOut("just-a-name", [commit], state: state)
        }
        #expect(none?.message == "Missing scheme in URL just-a-name")
        // ocluster's default schemes do not include file.
        let context = try GitContext(stateDirectory: state.path)
        await #expect(throws: WorkerError(.invalidRequest, "")) {
            try await context.withContext(
                .init(repository: "file:///tmp/x", commits: [commit]),
                log: LogData(),
                cancel: CancelSwitch()
            ) { _ in }
        }
    }

    @Test("No commits give an empty context; includeGit copies .git")
    func emptyAndIncludeGit() async throws {
        let repo = try await GitTestRepository()
        let state = try TemporaryDirectory()
        defer {
            repo.remove()
            state.remove()
        }
        #expect(try await checkOut("", [], state: state).isEmpty)
        let commit = try await repo.commit(["a.txt": "a\n"])
        let files = try await checkOut(repo.url, [commit], includeGit: true, state: state)
        #expect(files["a.txt"] == "a\n")
        #expect(files[".git"] == "<dir>")
    }
}
