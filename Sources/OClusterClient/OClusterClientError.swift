// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Why a client or admin operation failed.
///
/// ``message`` is what ocluster's CLIs print on stderr for the same failure (e.g.
/// `PoolAdmin.show: Failed: No such pool`), so the CLIs print it as it is; it is empty when the
/// failure was already reported on the command's output (``Code/reported``).
public struct OClusterClientError: CodedError {
    /// A kind of failure. A struct over a private enum so new kinds are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
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
        public static let capFile = Code(.capFile)
        /// The connection to the service could not be made (refused, TLS, wrong key).
        public static let connection = Code(.connection)
        /// A call on the service failed; the message names the method, as ocluster does.
        public static let call = Code(.call)
        /// Reading a job's log failed (the job could not be queued or its worker went away).
        public static let log = Code(.log)
        /// The job description was refused before it was sent.
        public static let invalidJob = Code(.invalidJob)
        /// A command run by `exec` failed.
        public static let command = Code(.command)
        /// The operation had nothing it could act on (e.g. no connected workers).
        public static let refused = Code(.refused)
        /// The failure was already printed on the command's output; exit with status 1.
        public static let reported = Code(.reported)
        /// The job ran and failed; the message is its failure (`Failed: Build failed`).
        public static let job = Code(.job)
        /// The build was cancelled before it was submitted.
        public static let cancelled = Code(.cancelled)
        /// A context could not be added, found, used or removed.
        public static let context = Code(.context)

        public var description: String { "\(wrapped)" }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What ocluster prints for it on stderr; empty for ``Code/reported``.
    public var message: String
    /// The error this one wraps, if any.
    public var cause: (any Error)?

    /// An error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A failure that has been printed already.
    public static func reported(cause: (any Error)? = nil) -> OClusterClientError {
        OClusterClientError(.reported, "", cause: cause)
    }

    /// The message.
    public var description: String { message }
}
