// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension JobSpec {
    /// A `docker build` of the job's source, and where to push the image.
    public struct Docker: Sendable, Hashable {
        /// Where the Dockerfile comes from.
        public enum Dockerfile: Sendable, Hashable {
            /// The Dockerfile itself, sent with the job.
            case contents(String)
            /// A relative path inside the build context.
            case path(String)
        }

        /// The Dockerfile.
        public var dockerfile: Dockerfile
        /// Each becomes `--build-arg ARG`.
        public var buildArgs: [String]
        /// `docker build --squash`.
        public var squash: Bool
        /// Build with BuildKit.
        public var buildkit: Bool
        /// Keep `.git` in the build context.
        public var includeGit: Bool
        /// Where to push the image after a successful build; `nil` for no push.
        public var push: Push?

        /// A Docker build (by default of `Dockerfile` in the context, not pushed).
        public init(
            dockerfile: Dockerfile = .path("Dockerfile"),
            buildArgs: [String] = [],
            squash: Bool = false,
            buildkit: Bool = false,
            includeGit: Bool = false,
            push: Push? = nil
        ) {
            self.dockerfile = dockerfile
            self.buildArgs = buildArgs
            self.squash = squash
            self.buildkit = buildkit
            self.includeGit = includeGit
            self.push = push
        }
    }

    /// A push after the build: the target and, for registries that need them, credentials.
    public struct Push: Sendable, Hashable {
        /// `REPO:TAG` to push to.
        public var target: ImageID
        /// For `docker login`; `nil` to push with the worker's own credentials.
        public var credentials: Credentials?

        /// A push.
        public init(target: ImageID, credentials: Credentials? = nil) {
            self.target = target
            self.credentials = credentials
        }

        /// The rule for which of target, user and password may be given: user and password only
        /// with a target, and together. Both the job reader (empty fields) and the client
        /// (missing flags) apply it.
        ///
        /// - Throws: ``JobSpecErrorCode/pushCredentialsWithoutTarget`` or
        ///   ``JobSpecErrorCode/pushCredentialsIncomplete``.
        public static func checkFields(hasTarget: Bool, hasUser: Bool, hasPassword: Bool) throws(JobSpecError) {
            if !hasTarget, hasUser || hasPassword {
                throw JobSpecError(
                    .pushCredentialsWithoutTarget,
                    "push-user and push-password must be given with push-target"
                )
            }
            if hasUser != hasPassword {
                throw JobSpecError(
                    .pushCredentialsIncomplete,
                    "push-user and push-password must be given (or not given) together"
                )
            }
        }
    }

    /// Registry credentials for a push.
    public struct Credentials: Sendable, Hashable {
        /// The registry account.
        public var user: String
        /// Its password or token.
        public var password: String

        /// Credentials.
        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }
}
