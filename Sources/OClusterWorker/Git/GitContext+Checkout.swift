// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Foundation
import ProcessRunner

extension GitContext {
    /// Fetches if needed, checks out the first commit, merges the others, and moves the tree
    /// (everything but `.git`, unless asked) into `directory`. The steps and their labels are
    /// ocluster's (`worker/context.ml`).
    func checkOut(_ source: Source, into directory: String, log: LogData) async throws {
        for commit in source.commits where !Self.isFullHash(commit) {
            throw WorkerError(.invalidRequest, "Invalid commit hash \"\(commit)\": expected 40 hexadecimal digits")
        }
        let repository = try GitRepository(
            url: source.repository,
            cacheDirectory: cacheDirectory,
            allowedSchemes: allowedSchemes
        )
        try await lock(for: repository.url).withLock {
            // The user cannot cancel these steps: an interrupted git command could corrupt the cache.
            let steps = CancelSwitch()
            let clone = repository.localPath
            if FileManager.default.fileExists(atPath: clone + "/.git/index.lock") {
                log.info("Removing corrupted repository \"\(clone)\"")
                try? FileManager.default.removeItem(atPath: clone)
            }
            if try await repository.hasCommits(source.commits) {
                log.info("All commits already cached")
            } else {
                try await repository.fetch(log: log, cancel: steps)
                for commit in source.commits where !(try await repository.hasCommits([commit])) {
                    throw WorkerError(.git, "Commit \(commit) not found in \(repository.url)")
                }
            }
            let first = source.commits[0]
            try await repository.git("git-submodule-update", ["submodule", "update"], log: log, cancel: steps)
            try await repository.git("git-reset", ["reset", "--hard", first], log: log, cancel: steps)
            try await repository.git("git-submodule-sync", ["submodule", "sync"], log: log, cancel: steps)
            try await repository.git(
                "git-submodule-deinit",
                ["submodule", "deinit", "--all", "-f"],
                log: log,
                cancel: steps
            )
            try await repository.git("git-clean", ["clean", "-fdx"], log: log, cancel: steps)
            for commit in source.commits.dropFirst() {
                try await merge(commit, into: first, repository: repository, log: log, cancel: steps)
            }
            try await repository.git(
                "git-submodule-update",
                ["submodule", "update", "--init", "--recursive"],
                log: log,
                cancel: steps
            )
            try moveTree(from: clone, to: directory)
            if source.includeGit {
                try await ChildProcess.check(
                    Command(label: "cp .git", ["cp", "-a", clone + "/.git", directory + "/.git"]),
                    log: log,
                    cancel: steps
                )
                // Drop the pull-request refspec; exit status 5 just means there was none.
                let unset = Command(
                    label: "git-config",
                    ["git", "-C", directory, "config", "--unset", "remote.origin.fetch", "/pull/"]
                )
                let status = try await ChildProcess.run(unset, log: log, cancel: steps)
                if status != .exited(5) { try ChildProcess.require(status, of: unset) }
            }
        }
    }

    private func merge(
        _ commit: String,
        into first: String,
        repository: GitRepository,
        log: LogData,
        cancel: CancelSwitch
    ) async throws {
        do {
            try await repository.git(
                "git-merge",
                ["merge", "--no-edit", commit],
                environment: GitRepository.mergeEnvironment,
                log: log,
                cancel: cancel
            )
        } catch let error as WorkerError where error.code == .commandFailed {
            let listing = Command(
                label: "git-diff",
                ["git", "-C", repository.localPath, "diff", "--name-only", "--diff-filter=U"]
            )
            let conflicts =
                (try? await ChildProcess.output(listing))?
                .split(separator: "\n").map(String.init) ?? []
            _ = try? await ChildProcess.run(
                Command(label: "git-merge-abort", ["git", "-C", repository.localPath, "merge", "--abort"]),
                log: nil,
                cancel: nil
            )
            guard !conflicts.isEmpty else { throw error }
            throw WorkerError(
                .git,
                "Merge conflict merging \(commit) into \(first): \(conflicts.joined(separator: ", "))"
            )
        }
    }

    /// Moves every top-level entry of the clone except `.git` into `directory` (a rename, so
    /// it is instant; the next job's `git reset --hard` brings the files back).
    private func moveTree(from clone: String, to directory: String) throws {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: clone)
        } catch {
            throw WorkerError(.fileSystem, "Cannot list \(clone): \(error)", cause: error)
        }
        for name in entries where name != ".git" {
            guard rename(clone + "/" + name, directory + "/" + name) == 0 else {
                throw WorkerError(
                    .fileSystem,
                    "Cannot move \(name) into the build context: \(String(cString: strerror(errno)))"
                )
            }
        }
    }

    static func isFullHash(_ commit: String) -> Bool {
        commit.utf8.count == 40
            && commit.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }
}
