// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import ProcessRunner

/// One remote repository and its cached non-bare clone under `<state-dir>/git/`.
///
/// The clone is named `<last path component of the URL>-<SHA-1 of the URL>`, as ocluster
/// names it, and is fetched with refspecs for branches plus GitHub pull requests or GitLab
/// merge requests, so commits that are only on a PR can be built.
struct GitRepository: Sendable {
    /// The URL exactly as the job gave it.
    let url: String
    /// Where the cached clone lives.
    let localPath: String
    /// The URL's host, which picks the pull-request refspec.
    let host: String?

    /// Checks the URL and works out where its clone lives.
    ///
    /// - Throws: ``WorkerErrorCode/invalidRequest`` for a URL without a scheme or with one not
    ///   in `allowedSchemes`.
    init(url: String, cacheDirectory: String, allowedSchemes: Set<String>) throws {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw WorkerError(.invalidRequest, "Missing scheme in URL \(url)")
        }
        guard allowedSchemes.contains(scheme) else {
            throw WorkerError(.invalidRequest, "Unsupported scheme \"\(scheme)\" in URL \(url)")
        }
        var base = parsed.path.split(separator: "/").last.map(String.init) ?? ""
        if base.isEmpty || base == "." || base == ".." { base = "repo" }
        self.url = url
        self.host = parsed.host
        self.localPath = cacheDirectory + "/" + base + "-" + SHA1.hex(Array(url.utf8))
    }

    /// The second fetch refspec: GitHub pull requests, else GitLab merge requests (also the
    /// guess for self-hosted forges).
    var pullRequestRefspec: String {
        host == "github.com"
            ? "+refs/pull/*:refs/remotes/pull/*"
            : "+refs/merge-requests/*/head:refs/remotes/origin/merge-requests/*"
    }

    /// Whether the clone exists and already has every commit.
    func hasCommits(_ commits: [String]) async throws -> Bool {
        guard isDirectory(localPath) else { return false }
        for commit in commits {
            let probe = Command(
                label: "git-cat-file",
                ["git", "-C", localPath, "cat-file", "-e", commit + "^{commit}"]
            )
            guard try await ChildProcess.run(probe, log: nil, cancel: nil) == .exited(0) else { return false }
        }
        return true
    }

    /// Creates the clone if needed, then fetches everything from `origin`.
    func fetch(log: LogData, cancel: CancelSwitch) async throws {
        if !isDirectory(localPath) {
            try await git("git-init", ["init", "-q", localPath], log: log, cancel: cancel, inRepository: false)
            for (key, value) in [
                ("remote.origin.url", url),
                ("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"),
                ("remote.origin.fetch", pullRequestRefspec),
            ] {
                try await git("git-config", ["config", "--add", key, value], log: log, cancel: cancel)
            }
        }
        try await git("git-submodule-update", ["submodule", "update"], log: log, cancel: cancel)
        try await git("git-reset", ["reset", "--hard"], log: log, cancel: cancel)
        try await git("git-submodule-sync", ["submodule", "sync"], log: log, cancel: cancel)
        try await git("git-submodule-deinit", ["submodule", "deinit", "--all", "-f"], log: log, cancel: cancel)
        do {
            try await git(
                "git-fetch",
                ["fetch", "-q", "--update-head-ok", "--recurse-submodules=no", "origin"],
                log: log,
                cancel: cancel
            )
        } catch let error as WorkerError where error.code == .commandFailed {
            throw WorkerError(.git, "Cannot fetch from \(url): \(error.message)", cause: error)
        }
    }

    /// Runs `git -C <clone> ARGS…` with the job's log, failing on a non-zero exit.
    func git(
        _ label: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        log: LogData,
        cancel: CancelSwitch,
        inRepository: Bool = true
    ) async throws {
        let prefix = inRepository ? ["git", "-C", localPath] : ["git"]
        let command = Command(
            label: label,
            prefix + arguments,
            environment: Self.environment.merging(environment) { $1 }
        )
        try await ChildProcess.check(command, log: log, cancel: cancel)
    }

    /// Never ask for credentials on a terminal: a private or mistyped URL must fail, not hang.
    static let environment = ["GIT_TERMINAL_PROMPT": "0"]

    /// The identity and settings `git merge` runs with (ocluster's `git_merge_env`).
    static let mergeEnvironment = [
        "GIT_AUTHOR_NAME": "ocluster",
        "GIT_COMMITTER_NAME": "ocluster",
        "EMAIL": "ocluster@ocurrent.org",
        "GIT_MERGE_AUTOEDIT": "no",
    ]
}

/// Whether `path` is a directory (not following a final symlink).
func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
