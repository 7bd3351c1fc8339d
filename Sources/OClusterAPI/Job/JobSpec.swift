// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// One job as ocluster describes it (a `JobDescr`): what to build, where its source comes from, the
/// cache hint and the secrets.
///
/// The one model of a job for every side: a client builds one and writes it with
/// ``write(to:)``; a worker reads the job it popped with ``init(reading:)``. The scheduler reads no
/// more than the cache hint and forwards the description byte for byte, unknown fields included,
/// because workers of a newer schema may read fields this one does not know.
///
/// Two levels of checking, as in ocluster: reading refuses what ocluster's reader refuses (an
/// unknown action, push credentials that do not go together, a bad push target), and
/// ``validate()`` adds what ocluster's client refuses before it sends a job (a repository without
/// commits). Messages are ocluster's, so users and scripts see the same text.
public struct JobSpec: Sendable, Hashable {
    /// What kind of build.
    public enum Action: Sendable, Hashable {
        /// `docker build`, and maybe `docker push`.
        case docker(Docker)
        /// An OBuilder spec (S-expression text).
        case obuilder(spec: String)
        /// A job for a specialised worker; ocluster's stock worker refuses it.
        case custom(Custom)
    }

    /// What to build.
    public var action: Action
    /// Jobs with the same hint go to a worker that ran it before; empty for no preference.
    public var cacheHint: String
    /// The Git source to check out as the build context; `nil` for an empty context.
    public var source: Source?
    /// Named secrets made available to the build.
    public var secrets: [Secret]

    /// A job.
    ///
    /// - Parameters:
    ///   - action: what to build.
    ///   - cacheHint: the affinity key; empty for none.
    ///   - source: the repository and commits to build; `nil` for an empty context.
    ///   - secrets: secrets for the build.
    public init(action: Action, cacheHint: String = "", source: Source? = nil, secrets: [Secret] = []) {
        self.action = action
        self.cacheHint = cacheHint
        self.source = source
        self.secrets = secrets
    }

    /// Checks what ocluster's client checks before it submits: the source names commits, and a
    /// push target has a repository and a tag.
    ///
    /// - Throws: ``JobSpecError`` with ocluster's message.
    public func validate() throws(JobSpecError) {
        try source?.validate()
        if case .docker(let docker) = action, let push = docker.push {
            try push.target.validate()
        }
    }
}

extension JobSpec {
    /// Where the build context comes from: commits of a Git repository, merged in order.
    public struct Source: Sendable, Hashable {
        /// The Git URL.
        public var repository: String
        /// Full commit hashes.
        public var commits: [String]

        /// A source.
        public init(repository: String, commits: [String]) {
            self.repository = repository
            self.commits = commits
        }

        /// A repository needs commits, and commits need a repository.
        ///
        /// - Throws: ``JobSpecErrorCode/noCommits`` or ``JobSpecErrorCode/commitsWithoutRepository``.
        public func validate() throws(JobSpecError) {
            if repository.isEmpty, !commits.isEmpty {
                throw JobSpecError(.commitsWithoutRepository, "BUG: commits but no repository!")
            }
            if commits.isEmpty {
                throw JobSpecError(.noCommits, "No commits requested from repository \(ocamlQuoted(repository))!")
            }
        }
    }

    /// A named secret for the build.
    public struct Secret: Sendable, Hashable {
        /// The name the build refers to it by.
        public var id: String
        /// The secret itself.
        public var value: String

        /// A secret.
        public init(id: String, value: String) {
            self.id = id
            self.value = value
        }
    }
}
