// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Foundation
import Logging
import OClusterAPI
import Synchronization

/// Makes the directory a job builds in: the job's commits checked out (and merged) from a
/// cached clone of its repository, in a fresh temporary directory that is removed afterwards.
///
/// Layout under the worker's state directory (as ocluster's `Context`):
/// - `git/<name>-<sha1(url)>/`: one cached clone per repository URL, used by one job at a time;
/// - `tmp/build-context-XXXXXX/`: one per running job.
public final class GitContext: Sendable {
    /// The worker's `--state-dir`.
    public let stateDirectory: String
    /// URL schemes jobs may use; ocluster allows `git`, `http` and `https`.
    public let allowedSchemes: Set<String>
    private let locks = Mutex<[String: AsyncLock]>([:])
    static let logger = Logger(label: "ocluster.worker")

    /// The schemes ocluster accepts.
    public static let defaultSchemes: Set<String> = ["git", "http", "https"]

    /// Creates the state, cache and temporary directories (mode 0700) if they are missing.
    ///
    /// - Parameters:
    ///   - stateDirectory: the worker's `--state-dir`.
    ///   - allowedSchemes: URL schemes jobs may use (tests add `file`).
    /// - Throws: ``WorkerErrorCode/fileSystem`` when a directory cannot be created.
    public init(stateDirectory: String, allowedSchemes: Set<String> = GitContext.defaultSchemes) throws {
        self.stateDirectory = stateDirectory
        self.allowedSchemes = allowedSchemes
        for path in [stateDirectory, cacheDirectory, temporaryDirectory] {
            guard !isDirectory(path) else { continue }
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                throw WorkerError(.fileSystem, "Cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Where cached clones live.
    public var cacheDirectory: String { stateDirectory + "/git" }
    /// Where per-job contexts are made.
    public var temporaryDirectory: String { stateDirectory + "/tmp" }

    /// The source a job asks for.
    public struct Source: Sendable, Hashable {
        /// The Git URL (empty when there are no commits).
        public var repository: String
        /// Full commit hashes; none gives an empty context, several are merged in order.
        public var commits: [String]
        /// Copy `.git` into the context too (Docker jobs' `includeGit`).
        public var includeGit: Bool

        public init(repository: String, commits: [String], includeGit: Bool = false) {
            self.repository = repository
            self.commits = commits
            self.includeGit = includeGit
        }

        /// What `job` asks for: its source, and `.git` when it is a Docker build that wants it.
        public init(job: JobSpec) {
            let includeGit = if case .docker(let docker) = job.action { docker.includeGit } else { false }
            self.init(
                repository: job.source?.repository ?? "",
                commits: job.source?.commits ?? [],
                includeGit: includeGit
            )
        }
    }

    /// Builds the context for `source`, runs `body` with its path, then deletes it.
    ///
    /// The git steps run under a per-repository lock and ignore the job's cancellation (so the
    /// cache is never left half-updated); `cancel` is checked once they are done.
    ///
    /// - Throws: ``WorkerError`` with code `invalidRequest` (bad URL or hash), `git` (fetch
    ///   failed, commit missing, merge conflict), `commandFailed`, `cancelled` or `fileSystem`;
    ///   or what `body` throws.
    public func withContext<R: Sendable>(
        _ source: Source,
        log: LogData,
        cancel: CancelSwitch,
        _ body: (String) async throws -> R
    ) async throws -> R {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if !source.commits.isEmpty {
            try await checkOut(source, into: directory, log: log)
        }
        try cancel.check()
        return try await body(directory)
    }

    private func makeTemporaryDirectory() throws -> String {
        var template = Array((temporaryDirectory + "/build-context-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw WorkerError(
                .fileSystem,
                "Cannot create a directory in \(temporaryDirectory): \(String(cString: strerror(errno)))"
            )
        }
        return String(cString: made)
    }

    func lock(for url: String) -> AsyncLock {
        locks.withLock { locks in
            if let existing = locks[url] { return existing }
            let made = AsyncLock()
            locks[url] = made
            return made
        }
    }
}
