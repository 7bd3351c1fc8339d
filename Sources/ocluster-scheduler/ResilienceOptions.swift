// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProto
import OClusterCLISupport
import OClusterScheduler

/// The flags for requeueing jobs of lost workers and for detecting stuck workers (not in ocluster).
struct ResilienceOptions: ParsableArguments {
    @Option(
        name: .customLong("max-attempts"),
        help: ArgumentHelp(
            "How many times a job may be started when its worker is lost mid-job: N for every pool, POOL=N for "
                + "one (e.g. 3,linux-arm32=1). 1 fails the job, as ocluster does.",
            valueName: "SPEC"
        )
    )
    var maxAttempts = "3"

    @Flag(
        name: .customLong("requeue-pushing-jobs"),
        help: "Also retry jobs with effects beyond the worker (Docker builds that push, custom jobs)."
    )
    var requeuePushingJobs = false

    @Option(
        name: .customLong("worker-ping-interval"),
        help: ArgumentHelp("Seconds between liveness pings of each worker (0: never).", valueName: "SECONDS")
    )
    var workerPingInterval = 30.0

    @Option(
        name: .customLong("worker-ping-timeout"),
        help: ArgumentHelp(
            "Seconds a worker may take to answer a ping before it is dropped and its jobs requeued.",
            valueName: "SECONDS"
        )
    )
    var workerPingTimeout = 60.0

    func validate() throws {
        _ = try policy()
        try SecondsFlag.validate(workerPingInterval, flag: "--worker-ping-interval")
        try SecondsFlag.validate(workerPingTimeout, flag: "--worker-ping-timeout", allowsZero: false)
    }

    func policy() throws -> RequeuePolicy {
        var policy = RequeuePolicy(requeueJobsWithSideEffects: requeuePushingJobs)
        do {
            try policy.setMaxAttempts(maxAttempts)
        } catch {
            throw ValidationError(error.message)
        }
        return policy
    }

    /// `base` with these settings.
    func apply(to base: Scheduler.Configuration) throws -> Scheduler.Configuration {
        var configuration = base
        configuration.requeue = try policy()
        configuration.workerPingInterval = SecondsFlag.durationUnlessZero(workerPingInterval)
        configuration.workerPingTimeout = SecondsFlag.duration(workerPingTimeout)
        return configuration
    }
}
