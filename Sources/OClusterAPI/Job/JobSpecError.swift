// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A job description that cannot be used, with the message ocluster gives for the same mistake.
public typealias JobSpecError = CodedError<JobSpecErrorCode>

/// A kind of ``JobSpecError``. A struct over a private enum so new kinds are not a breaking change.
public struct JobSpecErrorCode: ErrorCode, CustomStringConvertible {
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
    public static let noCommits = Self(.noCommits)
    /// Commits without the repository they come from.
    public static let commitsWithoutRepository = Self(.commitsWithoutRepository)
    /// A push user or password without a push target.
    public static let pushCredentialsWithoutTarget = Self(.pushCredentialsWithoutTarget)
    /// A push user without a password, or the other way round.
    public static let pushCredentialsIncomplete = Self(.pushCredentialsIncomplete)
    /// A push target that is not `REPO:TAG`.
    public static let invalidImageID = Self(.invalidImageID)
    /// An action (union member) this schema does not know.
    public static let unknownAction = Self(.unknownAction)
    /// A kind of Dockerfile (union member) this schema does not know.
    public static let unknownDockerfile = Self(.unknownDockerfile)
    /// The message itself is malformed; the cause says how.
    public static let malformed = Self(.malformed)

    public var description: String { "\(wrapped)" }
}
