// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Logging
import OClusterAPI

/// Runs the build part of a job, once its source is checked out.
///
/// The agent makes the context (``GitContext``) and reports the outcome; a builder only turns
/// a request and a directory into an output. ``StandardJobBuilder`` is ocluster's (Docker,
/// OBuilder, custom refused); tests and specialised workers (ocluster's `custom` jobs) supply
/// their own.
public protocol JobBuilder: Sendable {
    /// Builds `request` in `directory`.
    ///
    /// - Parameters:
    ///   - request: the job.
    ///   - directory: the checked-out source (removed after the call).
    ///   - log: the job's log; build output goes here.
    ///   - cancel: turned off when the job is cancelled; stop and throw
    ///     ``WorkerErrorCode/cancelled``.
    /// - Returns: the job's output (`""`, a pushed image's RepoId, a snapshot id…).
    /// - Throws: a ``WorkerError`` whose message is shown to the user.
    func build(_ request: JobSpec, in directory: String, log: LogData, cancel: CancelSwitch) async throws -> String
}

/// Runs OBuilder specs for the worker. Implemented over the OBuilder store and sandbox; a
/// protocol so the agent does not depend on how they are set up.
public protocol OBuilderBackend: Sendable {
    /// Builds `spec` (S-expression text) with `directory` as the copy source.
    ///
    /// - Returns: the final snapshot id.
    /// - Throws: ``WorkerError`` (`invalidRequest` for a bad spec, `buildFailed`, `cancelled`).
    func build(
        spec: String,
        in directory: String,
        secrets: [JobSpec.Secret],
        log: LogData,
        cancel: CancelSwitch
    )
        async throws -> String

    /// OBuilder's periodic self-test; throws when the store or sandbox is broken.
    func healthcheck() async throws
}

/// ocluster's stock builder: Docker jobs with ``DockerBuilder``, OBuilder jobs with an
/// ``OBuilderBackend`` when one is configured, and custom jobs refused.
public struct StandardJobBuilder: JobBuilder {
    public let docker: DockerBuilder
    public let obuilder: (any OBuilderBackend)?

    public init(docker: DockerBuilder, obuilder: (any OBuilderBackend)? = nil) {
        self.docker = docker
        self.obuilder = obuilder
    }

    public func build(
        _ request: JobSpec,
        in directory: String,
        log: LogData,
        cancel: CancelSwitch
    ) async throws
        -> String
    {
        switch request.action {
        case .docker(let job):
            return try await docker.run(job, context: directory, secrets: request.secrets, log: log, cancel: cancel)
        case .obuilder(let spec):
            guard let obuilder else {
                throw WorkerError(.unsupportedJob, "This worker is not configured for use with OBuilder!")
            }
            return try await obuilder.build(
                spec: spec,
                in: directory,
                secrets: request.secrets,
                log: log,
                cancel: cancel
            )
        case .custom(let custom):
            GitContext.logger.warning(
                "The default cluster_worker build does not support any custom jobs (kind: \(custom.kind))"
            )
            throw WorkerError(.unsupportedJob, "Unsupported custom job")
        }
    }
}
