// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Why a worker operation failed: a job step, a git or docker command, or a bad request.
///
/// `message` is the sentence that ends up in the job's log (ocluster writes the failure
/// message there and answers `Job.result` with "Build failed"), so it is written for the
/// person who submitted the job.
public struct WorkerError: CodedError {
    /// A kind of failure. A struct over a private enum so new kinds are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case invalidRequest
            case commandFailed
            case cancelled
            case git
            case docker
            case pushRefused
            case unsupportedJob
            case fileSystem
            case logClosed
            case logOutOfRange
            case metrics
            case buildFailed
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The job description is malformed or contradicts itself (bad URL, bad push target…).
        public static let invalidRequest = Code(.invalidRequest)
        /// A subprocess exited with a non-zero status or could not be started.
        public static let commandFailed = Code(.commandFailed)
        /// The job was cancelled (by the client, or because the scheduler went away).
        public static let cancelled = Code(.cancelled)
        /// A git step failed in a way that has its own message (missing commit, merge conflict).
        public static let git = Code(.git)
        /// A docker step failed in a way that has its own message (no image id, no digest).
        public static let docker = Code(.docker)
        /// The job asked to push to a repository this worker was not started with `--allow-push` for.
        public static let pushRefused = Code(.pushRefused)
        /// The job's kind is not one this worker runs (custom jobs, or OBuilder without a store).
        public static let unsupportedJob = Code(.unsupportedJob)
        /// A file or directory could not be created, read or removed.
        public static let fileSystem = Code(.fileSystem)
        /// A write to a job log after it was closed.
        public static let logClosed = Code(.logClosed)
        /// `Job.log` was asked for an offset past the end of the log.
        public static let logOutOfRange = Code(.logOutOfRange)
        /// A build step failed (an OBuilder step, a custom builder), with its own message.
        public static let buildFailed = Code(.buildFailed)
        /// A metrics source could not be read.
        public static let metrics = Code(.metrics)

        public var description: String { "\(wrapped)" }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence for people saying what was wrong.
    public var message: String
    /// The error this one reports, if any.
    public var cause: (any Error)?

    /// Creates an error of the given kind.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
