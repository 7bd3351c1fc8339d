// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import Logging
import OClusterAPI
import Synchronization

extension WorkerAgent {
    /// A job to start, handed from the pull loop to the task group that owns running jobs.
    typealias JobStart = @Sendable () async -> Void

    /// Runs until ``shutdown()`` or a completed self-update; see ``WorkerAgent``.
    ///
    /// - Returns: why it stopped.
    /// - Throws: `CancellationError` if the calling task is cancelled.
    public func run() async throws -> Outcome {
        let (starts, sink) = AsyncStream<JobStart>.makeStream()
        async let outcome = connectionLoop(sink)
        // Running jobs belong here, not to a connection: a reconnect does not wait for them.
        await withDiscardingTaskGroup { group in
            for await start in starts { group.addTask { await start() } }
        }
        let result = try await outcome
        if result == .selfUpdate, let finish = state.withLock({ $0.finishUpdate }) {
            logger.info("All jobs finished. Updating…")
            try await finish()
        }
        return result
    }

    /// Connects, serves a session, and reconnects after failures, with backoff.
    private func connectionLoop(_ sink: AsyncStream<JobStart>.Continuation) async throws -> Outcome {
        defer { sink.finish() }
        var backoff = ReconnectBackoff(configuration: configuration.reconnect)
        while true {
            if let stop = stopOutcome() { return stop }
            let started = clock.now
            do {
                return try await connector.withSession { session in try await serve(session, sink: sink) }
            } catch {
                // The scheduler can no longer reach these jobs, so nobody could read their results.
                let orphans = state.withLock { Array($0.running.values) }
                for job in orphans { job.cancel.turnOff() }
                if let stop = stopOutcome() { return stop }
                try Task.checkCancellation()
                let uptime = clock.now - started
                let delay = max(
                    backoff.failed(uptime: uptime, randomFraction: .random(in: 0..<1)),
                    configuration.minimumReconnectInterval - uptime
                )
                logger.info("Lost connection to scheduler (\(error)). Will retry in \(Self.seconds(delay))s…")
                if let stop = try await sleep(for: delay) { return stop }
            }
        }
    }

    /// What ``run()`` should return now, if it should stop.
    private func stopOutcome() -> Outcome? {
        state.withLock { Self.stopOutcome($0) }
    }

    private static func stopOutcome(_ state: State) -> Outcome? {
        if state.shutdownRequested { return .shutDown }
        if state.selfUpdateRequested, state.inUse == 0 { return .selfUpdate }
        return nil
    }

    /// Sleeps, unless the agent is told to stop first.
    private func sleep(for delay: Duration) async throws -> Outcome? {
        try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                try await self.clock.sleep(for: delay)
                return nil
            }
            group.addTask { try await self.wait { Self.stopOutcome($0) } }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// One connection: register, then pull jobs until the connection breaks (throws) or the
    /// agent is told to stop (returns).
    private func serve(_ session: SchedulerSession, sink: AsyncStream<JobStart>.Continuation) async throws -> Outcome {
        let worker = Worker.client(WorkerService(agent: self))
        let registering = await session.registration.register { params, payload in
            params.name = configuration.name
            payload.setCapability(worker.capability, in: params.worker)
            params.capacity = Int32(clamping: configuration.capacity)
        }
        let queue = Queue.Client(registering.pipeline(0))
        update { $0.registrations += 1 }
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                try await self.pullLoop(queue, sink: sink)
                throw CancellationError()
            }
            group.addTask {
                let reason = try await awaitCancellable { await session.closed() }
                throw reason
            }
            group.addTask { try await self.waitToLeave() }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    /// Returns when the session should end: at once for a shutdown; for a self-update once
    /// idle, and still idle after the grace period that lets the last results go out.
    private func waitToLeave() async throws -> Outcome {
        while true {
            let outcome = try await wait { Self.stopOutcome($0) }
            if outcome == .shutDown { return outcome }
            try await clock.sleep(for: configuration.selfUpdateGracePeriod)
            if let still = stopOutcome() { return still }
        }
    }

    /// ocluster's worker loop: wait for capacity, maintain the disk and health, pop a job,
    /// start it, repeat. Only one pop is outstanding at a time.
    private func pullLoop(_ queue: Queue.Client, sink: AsyncStream<JobStart>.Continuation) async throws {
        var lastHealthcheck = clock.now
        while true {
            try Task.checkCancellation()
            if state.withLock({ $0.inUse >= configuration.capacity }) {
                logger.info("At capacity. Waiting for a build to finish before requesting more…")
                try await wait { $0.inUse < self.configuration.capacity ? () : nil }
                continue
            }
            try await maybePrune(queue)
            try await checkHealth(queue, last: &lastHealthcheck)
            logger.info("Requesting a new job… (\(runningJobs) running)")
            let job = RunningJob()
            let popped = try await awaitCancellable(
                { try await Self.pop(queue, job: job) },
                abandoned: { result in
                    // Popped after we stopped asking: fail it rather than drop it.
                    if case .success = result { Self.refuse(job, reason: "Worker is shutting down") }
                }
            )
            // ocluster weighs jobs whose hint mentions tezos/octez 2/3; every job counts 1 here.
            let weight = 1
            update { state in
                state.inUse += weight
                state.running[ObjectIdentifier(job)] = job
            }
            metrics.jobAccepted()
            metrics.setRunningJobs(runningJobs)
            sink.yield { await self.execute(job, request: popped, weight: weight) }
        }
    }

    /// Pops one job, reading its description at once (the reply is then released).
    private static func pop(_ queue: Queue.Client, job: RunningJob) async throws -> Result<JobSpec, any Error> {
        let response = try await queue.pop(job: Job.client(JobService(job: job)))
        do {
            return .success(try JobSpec(reading: try response.results.descr))
        } catch let error as JobSpecError {
            // A job the worker cannot read fails like any other bad request: its log says why.
            return .failure(WorkerError(.invalidRequest, error.message))
        } catch {
            return .failure(error)
        }
    }

    static func refuse(_ job: RunningJob, reason: String) {
        job.log.info(reason)
        job.log.close()
        job.finish(.failed(RPCError(.failed, reason)))
    }

    static func seconds(_ duration: Duration) -> String {
        let tenths = Int((duration.seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
