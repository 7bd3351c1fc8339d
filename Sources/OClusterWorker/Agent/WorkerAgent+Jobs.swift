// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Foundation
import Logging
import OClusterAPI
import Synchronization

extension WorkerAgent {
    /// Runs one popped job to the end and reports its outcome the way ocluster does:
    ///
    /// | ending | last log line | `Job.result` | metric label |
    /// |---|---|---|---|
    /// | success | `Job succeeded` | the output | `ok` |
    /// | cancelled | `Job cancelled` | error "Build cancelled" | `cancelled` |
    /// | ``WorkerError`` | its message | error "Build failed" | `fail` |
    /// | anything else | `Uncaught exception: …` | that error | `error` |
    func execute(_ job: RunningJob, request: Result<JobSpec, any Error>, weight: Int) async {
        let clock = ContinuousClock()
        let started = clock.now
        job.log.info("Building on \(configuration.name)")
        let outcome: RunningJob.Outcome
        let label: String
        do {
            let request = try request.get()
            logRequest(request)
            let output = try await context.withContext(
                GitContext.Source(job: request),
                log: job.log,
                cancel: job.cancel
            ) {
                directory in
                try await builder.build(request, in: directory, log: job.log, cancel: job.cancel)
            }
            job.log.info("Job succeeded")
            logger.info("Job succeeded")
            (outcome, label) = (.succeeded(output), "ok")
        } catch let error as WorkerError where error.code == .cancelled || !job.cancel.isOn {
            job.log.info("Job cancelled")
            logger.info("Job cancelled")
            (outcome, label) = (.failed(RPCError(.failed, "Build cancelled")), "cancelled")
        } catch let error as WorkerError {
            job.log.info(error.message)
            logger.info("Job failed: \(error.message)")
            (outcome, label) = (.failed(RPCError(.failed, "Build failed")), "fail")
        } catch {
            job.log.info("Uncaught exception: \(error)")
            logger.warning("Build failed: \(error)")
            (outcome, label) = (.failed(RPCError.from(error)), "error")
        }
        let elapsed = started.duration(to: clock.now)
        metrics.jobFinished(
            result: label,
            seconds: elapsed.seconds
        )
        logger.info("Build duration: \(Self.seconds(elapsed))s")
        job.log.close()
        job.finish(outcome)
        update { state in
            state.inUse -= weight
            state.running[ObjectIdentifier(job)] = nil
        }
        metrics.setRunningJobs(runningJobs)
        job.cancel.turnOff()
    }

    /// The worker's own log line about a new job (the job's log does not get the Dockerfile).
    private func logRequest(_ request: JobSpec) {
        switch request.action {
        case .docker(let docker):
            switch docker.dockerfile {
            case .contents(let text):
                logger.info(
                    "Got request to build (\(request.cacheHint)):\n\(text.trimmingCharacters(in: .whitespacesAndNewlines))"
                )
            case .path(let path):
                logger.info("Got request to build \"\(path)\" (\(request.cacheHint))")
            }
        case .obuilder(let spec):
            logger.info(
                "Got request to build (\(request.cacheHint)):\n\(spec.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        case .custom(let custom):
            logger.info("Got request to build a job of kind \"\(custom.kind)\"")
        }
    }
}
