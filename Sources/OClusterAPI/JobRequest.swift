// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Everything a client says about a job, checked the way ocluster's client checks it before
/// it is written into a ``JobDescr``.
public struct JobRequest: Sendable, Equatable {
    /// What kind of build.
    public enum Action: Sendable, Equatable {
        case docker(Docker)
        case obuilder(spec: String)
    }

    /// A `docker build`, optionally pushed.
    public struct Docker: Sendable, Equatable {
        public enum Dockerfile: Sendable, Equatable {
            /// The Dockerfile itself, sent with the job.
            case contents(String)
            /// A path inside the build context.
            case path(String)
        }

        public var dockerfile: Dockerfile
        public var pushTarget: String?
        public var pushUser: String?
        public var pushPassword: String?
        public var buildArgs: [String]
        public var squash: Bool
        public var buildkit: Bool
        public var includeGit: Bool

        public init(
            dockerfile: Dockerfile = .path("Dockerfile"),
            pushTarget: String? = nil,
            pushUser: String? = nil,
            pushPassword: String? = nil,
            buildArgs: [String] = [],
            squash: Bool = false,
            buildkit: Bool = false,
            includeGit: Bool = false
        ) {
            self.dockerfile = dockerfile
            self.pushTarget = pushTarget
            self.pushUser = pushUser
            self.pushPassword = pushPassword
            self.buildArgs = buildArgs
            self.squash = squash
            self.buildkit = buildkit
            self.includeGit = includeGit
        }
    }

    /// A request the client refuses to send, with ocluster's wording.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public var action: Action
    public var cacheHint: String
    public var repository: String?
    public var commits: [String]
    public var secrets: [(id: String, value: String)]

    public init(
        action: Action,
        cacheHint: String = "",
        repository: String? = nil,
        commits: [String] = [],
        secrets: [(id: String, value: String)] = []
    ) {
        self.action = action
        self.cacheHint = cacheHint
        self.repository = repository
        self.commits = commits
        self.secrets = secrets
    }

    public static func == (lhs: JobRequest, rhs: JobRequest) -> Bool {
        lhs.action == rhs.action && lhs.cacheHint == rhs.cacheHint && lhs.repository == rhs.repository
            && lhs.commits == rhs.commits && lhs.secrets.elementsEqual(rhs.secrets) { $0 == $1 }
    }

    /// Checks the combinations ocluster's client refuses.
    public func validate() throws {
        if let repository, commits.isEmpty {
            throw Invalid(description: "No commits requested from repository \"\(repository)\"!")
        }
        if repository == nil, !commits.isEmpty {
            throw Invalid(description: "Commits were given without a repository")
        }
        if case .docker(let docker) = action {
            if (docker.pushUser == nil) != (docker.pushPassword == nil) {
                throw Invalid(description: "--push-user and --push-password must be used together")
            }
            if docker.pushUser != nil, docker.pushTarget == nil {
                throw Invalid(description: "--push-user requires --push-to")
            }
        }
    }

    /// Writes the request into a job description.
    public func write(to descr: JobDescr.Builder) {
        switch action {
        case .docker(let docker):
            let build = descr.action.initDockerBuild()
            switch docker.dockerfile {
            case .contents(let text): build.dockerfile.contents = text
            case .path(let path): build.dockerfile.path = path
            }
            if let target = docker.pushTarget { build.pushTarget = target }
            if let user = docker.pushUser { build.pushUser = user }
            if let password = docker.pushPassword { build.pushPassword = password }
            if !docker.buildArgs.isEmpty { build.setBuildArgs(docker.buildArgs) }
            build.squash = docker.squash
            build.buildkit = docker.buildkit
            build.includeGit = docker.includeGit
        case .obuilder(let spec):
            descr.action.initObuilder().spec = spec
        }
        descr.cacheHint = cacheHint
        if let repository { descr.repository = repository }
        if !commits.isEmpty { descr.setCommits(commits) }
        if !secrets.isEmpty {
            let list = descr.initSecrets(count: secrets.count)
            for (index, secret) in secrets.enumerated() {
                list[index].id = secret.id
                list[index].value = secret.value
            }
        }
    }
}
