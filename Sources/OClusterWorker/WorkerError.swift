// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Why a worker operation failed: a job step, a git or docker command, or a bad request.
///
/// `message` is the sentence that ends up in the job's log (ocluster writes the failure
/// message there and answers `Job.result` with "Build failed"), so it is written for the
/// person who submitted the job.
public typealias WorkerError = CodedError<WorkerErrorCode>

/// A kind of ``WorkerError``. A struct over a private enum so new kinds are not a breaking change.
public struct WorkerErrorCode: ErrorCode, CustomStringConvertible {
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
    public static let invalidRequest = Self(.invalidRequest)
    /// A subprocess exited with a non-zero status or could not be started.
    public static let commandFailed = Self(.commandFailed)
    /// The job was cancelled (by the client, or because the scheduler went away).
    public static let cancelled = Self(.cancelled)
    /// A git step failed in a way that has its own message (missing commit, merge conflict).
    public static let git = Self(.git)
    /// A docker step failed in a way that has its own message (no image id, no digest).
    public static let docker = Self(.docker)
    /// The job asked to push to a repository this worker was not started with `--allow-push` for.
    public static let pushRefused = Self(.pushRefused)
    /// The job's kind is not one this worker runs (custom jobs, or OBuilder without a store).
    public static let unsupportedJob = Self(.unsupportedJob)
    /// A file or directory could not be created, read or removed.
    public static let fileSystem = Self(.fileSystem)
    /// A write to a job log after it was closed.
    public static let logClosed = Self(.logClosed)
    /// `Job.log` was asked for an offset past the end of the log.
    public static let logOutOfRange = Self(.logOutOfRange)
    /// A build step failed (an OBuilder step, a custom builder), with its own message.
    public static let buildFailed = Self(.buildFailed)
    /// A metrics source could not be read.
    public static let metrics = Self(.metrics)

    public var description: String { "\(wrapped)" }
}
