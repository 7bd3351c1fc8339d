// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A job description that cannot be used, with the message ocluster gives for the same mistake.
public struct JobSpecError: CodedError {
    /// A kind of mistake. A struct over a private enum so new kinds are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case noCommits
            case commitsWithoutRepository
            case pushCredentialsWithoutTarget
            case pushCredentialsIncomplete
            case invalidImageID
            case unknownAction
            case unknownDockerfile
            case malformed
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A repository without commits to build.
        public static let noCommits = Code(.noCommits)
        /// Commits without the repository they come from.
        public static let commitsWithoutRepository = Code(.commitsWithoutRepository)
        /// A push user or password without a push target.
        public static let pushCredentialsWithoutTarget = Code(.pushCredentialsWithoutTarget)
        /// A push user without a password, or the other way round.
        public static let pushCredentialsIncomplete = Code(.pushCredentialsIncomplete)
        /// A push target that is not `REPO:TAG`.
        public static let invalidImageID = Code(.invalidImageID)
        /// An action (union member) this schema does not know.
        public static let unknownAction = Code(.unknownAction)
        /// A kind of Dockerfile (union member) this schema does not know.
        public static let unknownDockerfile = Code(.unknownDockerfile)
        /// The message itself is malformed; the cause says how.
        public static let malformed = Code(.malformed)

        public var description: String { "\(wrapped)" }
    }

    /// What kind of mistake this is.
    public var code: Code
    /// ocluster's sentence for it.
    public var message: String
    /// The error this one wraps, if any.
    public var cause: (any Error)?

    /// An error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message.
    public var description: String { message }
}
