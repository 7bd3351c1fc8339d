// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI

/// The Docker part of a job: which Dockerfile, `docker build` options, and where to push.
public struct DockerJob: Sendable, Hashable {
    /// Where the Dockerfile comes from.
    public enum Dockerfile: Sendable, Hashable {
        /// Sent inline; written to `<context>/Dockerfile`.
        case contents(String)
        /// A relative path inside the build context.
        case path(String)
    }

    /// Credentials for `docker login` before a push.
    public struct Credentials: Sendable, Hashable {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    public var dockerfile: Dockerfile
    /// Each becomes `--build-arg ARG`.
    public var buildArgs: [String]
    public var squash: Bool
    public var buildkit: Bool
    public var includeGit: Bool
    /// Where to push the image after a successful build.
    public var pushTarget: ImageTarget?
    public var pushCredentials: Credentials?

    public init(
        dockerfile: Dockerfile,
        buildArgs: [String] = [],
        squash: Bool = false,
        buildkit: Bool = false,
        includeGit: Bool = false,
        pushTarget: ImageTarget? = nil,
        pushCredentials: Credentials? = nil
    ) {
        self.dockerfile = dockerfile
        self.buildArgs = buildArgs
        self.squash = squash
        self.buildkit = buildkit
        self.includeGit = includeGit
        self.pushTarget = pushTarget
        self.pushCredentials = pushCredentials
    }

    /// Reads a `DockerBuild` with ocluster's checks on the push fields.
    ///
    /// - Throws: ``WorkerError/Code/invalidRequest`` when user/password come without a target
    ///   or one without the other, when the target is not `REPO:TAG`, or for an unknown
    ///   Dockerfile kind.
    public init(reading reader: DockerBuild.Reader) throws {
        let dockerfile: Dockerfile
        switch try reader.dockerfile.which {
        case .contents(let text): dockerfile = .contents(text)
        case .path(let path): dockerfile = .path(path)
        case ._unknown: throw WorkerError(.invalidRequest, "Unknown Dockerfile file")
        }
        let target = try reader.pushTarget
        let user = try reader.pushUser
        let password = try reader.pushPassword
        var pushTarget: ImageTarget?
        var credentials: Credentials?
        switch (target, user, password) {
        case ("", "", ""):
            break
        case ("", _, _):
            throw WorkerError(.invalidRequest, "push-user and push-password must be given with push-target")
        default:
            guard user.isEmpty == password.isEmpty else {
                throw WorkerError(.invalidRequest, "push-user and push-password must be given (or not given) together")
            }
            pushTarget = try ImageTarget(parsing: target)
            credentials = user.isEmpty ? nil : Credentials(user: user, password: password)
        }
        self.init(
            dockerfile: dockerfile,
            buildArgs: try reader.buildArgs.toArray(),
            squash: reader.squash,
            buildkit: reader.buildkit,
            includeGit: reader.includeGit,
            pushTarget: pushTarget,
            pushCredentials: credentials
        )
    }
}

/// A push target `REPO:TAG`, split at the last `:` as ocluster's `Image_id` does.
public struct ImageTarget: Sendable, Hashable, CustomStringConvertible {
    public var repository: String
    public var tag: String

    /// - Throws: ``WorkerError/Code/invalidRequest`` with ocluster's messages.
    public init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":") else {
            throw WorkerError(.invalidRequest, "Missing ':TAG' in target \"\(text)\"")
        }
        let repository = String(text[..<colon])
        let tag = String(text[text.index(after: colon)...])
        if repository.isEmpty { throw WorkerError(.invalidRequest, "Repository empty in \"\(text)\"") }
        if tag.isEmpty { throw WorkerError(.invalidRequest, "Tag empty in \"\(text)\"") }
        self.repository = repository
        self.tag = tag
    }

    public var description: String { "\(repository):\(tag)" }

    /// The registry host the repository names, or `nil` for Docker Hub. As Docker reads image
    /// names: the first `/`-separated component is a registry when it contains `.` or `:`, is
    /// `localhost`, or has upper-case letters.
    public var registry: String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        let first = repository[..<slash]
        let isHost =
            first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first
        return isHost ? String(first) : nil
    }
}
