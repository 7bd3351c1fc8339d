// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI

/// A popped job, read out of its `JobDescr` into plain values and checked.
public struct WorkerJob: Sendable, Hashable {
    /// What to build.
    public enum Action: Sendable, Hashable {
        /// `docker build` (and maybe `docker push`).
        case docker(DockerJob)
        /// An OBuilder spec (S-expression text).
        case obuilder(spec: String)
        /// A job for a specialised worker; the stock worker refuses it.
        case custom(kind: String)
    }

    /// A named secret for the build.
    public struct Secret: Sendable, Hashable {
        public var id: String
        public var value: String

        public init(id: String, value: String) {
            self.id = id
            self.value = value
        }
    }

    public var action: Action
    /// The affinity key; empty for none.
    public var cacheHint: String
    /// The repository, commits and whether `.git` is wanted.
    public var source: GitContext.Source
    public var secrets: [Secret]

    public init(action: Action, cacheHint: String = "", source: GitContext.Source, secrets: [Secret] = []) {
        self.action = action
        self.cacheHint = cacheHint
        self.source = source
        self.secrets = secrets
    }

    /// Reads and checks a job description as `Queue.pop` returns it.
    ///
    /// - Throws: ``WorkerError/Code/invalidRequest`` for an unknown action, a bad push target or
    ///   credentials without a target; `CapnProtoError` for a malformed message.
    public init(reading descr: JobDescr.Reader) throws {
        let action: Action
        var includeGit = false
        switch try descr.action.which {
        case .dockerBuild(let docker):
            let job = try DockerJob(reading: docker)
            includeGit = job.includeGit
            action = .docker(job)
        case .obuilder(let obuilder):
            action = .obuilder(spec: try obuilder.spec)
        case .custom(let custom):
            action = .custom(kind: try custom.kind)
        case ._unknown(let tag):
            throw WorkerError(.invalidRequest, "Unknown job action (union tag \(tag))")
        }
        var secrets: [Secret] = []
        for secret in try descr.secrets {
            secrets.append(Secret(id: try secret.id, value: try secret.value))
        }
        self.init(
            action: action,
            cacheHint: try descr.cacheHint,
            source: GitContext.Source(
                repository: try descr.repository,
                commits: try descr.commits.toArray(),
                includeGit: includeGit
            ),
            secrets: secrets
        )
    }
}
