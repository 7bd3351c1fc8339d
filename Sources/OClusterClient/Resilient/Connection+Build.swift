// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI

extension Connection {
    /// Submits `spec` to `pool` and follows it: returns at once with a ``Build`` whose log and
    /// result arrive as the job runs, resubmitting it if the connection is lost first.
    ///
    /// The build waits for a connection (retrying with backoff) and for a slot under
    /// ``maxPipeline`` before it is submitted.
    ///
    /// - Throws: ``OClusterClientErrorCode/invalidJob`` with the ``JobSpecError`` as its cause,
    ///   before anything is sent.
    public func submit(_ spec: JobSpec, pool: String, urgent: Bool = false) throws(OClusterClientError) -> Build {
        do {
            try spec.validate()
        } catch {
            throw OClusterClientError(.invalidJob, error.message, cause: error)
        }
        let (log, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let control = BuildControl()
        control.set(.connecting)
        let runner = BuildRunner(
            spec: spec,
            key: PipelineLimiter.Key(pool: pool, urgent: urgent),
            link: link,
            limiter: limiter,
            control: control,
            log: continuation
        )
        return Build(log: log, control: control, outcome: Task { await runner.run() })
    }

    /// A Docker build of `source` (current_ocluster's `build`); the image is not pushed.
    public func build(
        _ docker: JobSpec.Docker = JobSpec.Docker(),
        pool: String,
        source: JobSpec.Source? = nil,
        cacheHint: String = "",
        secrets: [JobSpec.Secret] = [],
        urgent: Bool = false
    ) throws(OClusterClientError) -> Build {
        try submitDocker(
            docker,
            push: nil,
            pool: pool,
            source: source,
            cacheHint: cacheHint,
            secrets: secrets,
            urgent: urgent
        )
    }

    /// A Docker build of `source` pushed to `push` (current_ocluster's `build_and_push`); the
    /// result is the pushed image's digest.
    public func buildAndPush(
        _ docker: JobSpec.Docker = JobSpec.Docker(),
        to push: JobSpec.Push,
        pool: String,
        source: JobSpec.Source? = nil,
        cacheHint: String = "",
        secrets: [JobSpec.Secret] = [],
        urgent: Bool = false
    ) throws(OClusterClientError) -> Build {
        try submitDocker(
            docker,
            push: push,
            pool: pool,
            source: source,
            cacheHint: cacheHint,
            secrets: secrets,
            urgent: urgent
        )
    }

    private func submitDocker(
        _ docker: JobSpec.Docker,
        push: JobSpec.Push?,
        pool: String,
        source: JobSpec.Source?,
        cacheHint: String,
        secrets: [JobSpec.Secret],
        urgent: Bool
    ) throws(OClusterClientError) -> Build {
        var docker = docker
        docker.push = push
        return try submit(
            JobSpec(action: .docker(docker), cacheHint: cacheHint, source: source, secrets: secrets),
            pool: pool,
            urgent: urgent
        )
    }

    /// An OBuilder build of `spec` (current_ocluster's `build_obuilder`); the result is the
    /// snapshot's id.
    public func buildOBuilder(
        spec: String,
        pool: String,
        source: JobSpec.Source? = nil,
        cacheHint: String = "",
        secrets: [JobSpec.Secret] = [],
        urgent: Bool = false
    ) throws(OClusterClientError) -> Build {
        try submit(
            JobSpec(action: .obuilder(spec: spec), cacheHint: cacheHint, source: source, secrets: secrets),
            pool: pool,
            urgent: urgent
        )
    }
}
