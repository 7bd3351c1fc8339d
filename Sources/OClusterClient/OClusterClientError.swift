// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Why a client or admin operation failed.
///
/// Its message is what ocluster's CLIs print on stderr for the same failure (e.g.
/// `PoolAdmin.show: Failed: No such pool`), so the CLIs print it as it is; it is empty when the
/// failure was already reported on the command's output (``OClusterClientErrorCode/reported``).
public typealias OClusterClientError = CodedError<OClusterClientErrorCode>

/// A kind of ``OClusterClientError``. A struct over a private enum so new kinds are not a breaking
/// change.
public struct OClusterClientErrorCode: ErrorCode, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
        case capFile
        case connection
        case call
        case log
        case invalidJob
        case command
        case refused
        case reported
        case job
        case cancelled
        case context
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// A `.cap` file could not be read or does not hold a sturdy ref.
    public static let capFile = Self(.capFile)
    /// The connection to the service could not be made (refused, TLS, wrong key).
    public static let connection = Self(.connection)
    /// A call on the service failed; the message names the method, as ocluster does.
    public static let call = Self(.call)
    /// Reading a job's log failed (the job could not be queued or its worker went away).
    public static let log = Self(.log)
    /// The job description was refused before it was sent.
    public static let invalidJob = Self(.invalidJob)
    /// A command run by `exec` failed.
    public static let command = Self(.command)
    /// The operation had nothing it could act on (e.g. no connected workers).
    public static let refused = Self(.refused)
    /// The failure was already printed on the command's output; exit with status 1.
    public static let reported = Self(.reported)
    /// The job ran and failed; the message is its failure (`Failed: Build failed`).
    public static let job = Self(.job)
    /// The build was cancelled before it was submitted.
    public static let cancelled = Self(.cancelled)
    /// A context could not be added, found, used or removed.
    public static let context = Self(.context)

    public var description: String { "\(wrapped)" }
}

extension OClusterClientError {
    /// A failure that has been printed already.
    public static func reported(cause: (any Error)? = nil) -> OClusterClientError {
        OClusterClientError(.reported, "", cause: cause)
    }
}
