// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import OClusterAPI
import OClusterScheduler
import TestSupport
import Testing

/// Jobs whose worker is lost mid-job, through the real services (workers and clients on their own
/// connections): requeued and resumed by another worker, or failed as in ocluster when the policy says so.
@Suite struct RequeueServiceTests {
    @Test(arguments: SchedulerPlacement.allCases)
    func lostWorkerJobRunsOnAnotherWorkerAndTheLogContinues(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let w1 = try await SimulatedWorker.register(harness, name: "worker-1")
        let (_, firstPop) = await w1.pop(log: "attempt one\n")
        let (ticket, job) = await submit(submission, hint: "a")
        _ = try await firstPop.response()
        let first = try await job.log(start: 0)
        #expect(String(decoding: try first.results.log, as: UTF8.self) == "attempt one\n")
        #expect(first.results.next == 12)
        // The client waits for more log and for the result while the worker dies.
        let waitingLog = Task { try await job.log(start: 12) }
        let waitingResult = Task { try await job.result().results.output }
        w1.link.breakLink()
        try await waitForShow(harness, "alice:a attempt 2 of 3, queued (worker-1 lost: ")
        let w2 = try await SimulatedWorker.register(harness, name: "worker-2")
        let (fake2, secondPop) = await w2.pop(log: "attempt two\n")
        #expect(try await hint(of: secondPop) == "a")
        try await waitForShow(harness, "alice:a attempt 2 of 3, running on worker-2 (worker-1 lost: ")
        let line = try await waitingLog.value
        let text = String(decoding: try line.results.log, as: UTF8.self)
        #expect(text.hasPrefix("--- worker worker-1 lost ("))
        #expect(text.hasSuffix("); job requeued, attempt 2 of 3 ---\n"))
        #expect(line.results.next == 12 + Int64(text.utf8.count))
        let second = try await job.log(start: line.results.next)
        #expect(String(decoding: try second.results.log, as: UTF8.self) == "attempt two\n")
        #expect(second.results.next == line.results.next + 12)
        fake2.finish(.success("built"))
        #expect(try await waitingResult.value == "built")
        #expect(try await job.result().results.output == "built")
        // Once the retry ends, `show` is ocluster's text again.
        try await waitUntil("the retry to leave show") {
            try await !harness.scheduler.show(pool: "pool").contains("retried:")
        }
        withExtendedLifetime(ticket.capability) {}
        await harness.close()
    }

    /// The worker finished the job, then went before the client read the result: the scheduler has it.
    @Test func resultOfAFinishedJobOutlivesItsWorker() async throws {
        let harness = try ServiceHarness()
        let submission = try await harness.submission(client: "alice")
        let w1 = try await SimulatedWorker.register(harness, name: "worker-1")
        let (fake, pop) = await w1.pop(log: "done\n")
        let (ticket, job) = await submit(submission, hint: "a")
        _ = try await pop.response()
        fake.finish(.success("built"))
        try await waitForShow(harness, "worker-1 (0): [] (0 running)")
        w1.link.breakLink()
        #expect(try await job.result().results.output == "built")
        let end = try await job.log(start: 5)
        #expect(try end.results.log.isEmpty)
        #expect(end.results.next == 5)
        withExtendedLifetime(ticket.capability) {}
        await harness.close()
    }

    @Test func jobThatPushesFailsUnlessEnabled() async throws {
        for enabled in [false, true] {
            var configuration = Scheduler.Configuration()
            configuration.requeue.requeueJobsWithSideEffects = enabled
            let harness = try ServiceHarness(configuration: configuration)
            let submission = try await harness.submission(client: "alice")
            let w1 = try await SimulatedWorker.register(harness, name: "worker-1")
            let (_, firstPop) = await w1.pop()
            let ticket = Ticket.Client(
                await submission.submit { params, _ in
                    params.pool = "pool"
                    let descr = params.initDescr()
                    descr.cacheHint = "p"
                    descr.action.initDockerBuild().pushTarget = "registry.example/app:latest"
                }.pipeline(0)
            )
            let job = Job.Client(await ticket.job { _, _ in }.pipeline(0))
            _ = try await firstPop.response()
            let result = Task { try await job.result().results.output }
            w1.link.breakLink()
            if enabled {
                let w2 = try await SimulatedWorker.register(harness, name: "worker-2")
                let (fake2, secondPop) = await w2.pop()
                #expect(try await hint(of: secondPop) == "p")
                fake2.finish(.success("pushed"))
                #expect(try await result.value == "pushed")
            } else {
                do {
                    _ = try await result.value
                    Issue.record("a pushing job must not be retried by default")
                } catch let error as RPCError {
                    #expect(error.reason.contains("Worker \"worker-1\" disconnected while running the job"))
                }
            }
            await harness.close()
        }
    }

    @Test func lastAttemptFailsNamingTheWorker() async throws {
        var configuration = Scheduler.Configuration()
        configuration.requeue = RequeuePolicy(maxAttempts: 2)
        let harness = try ServiceHarness(configuration: configuration)
        let submission = try await harness.submission(client: "alice")
        let (ticket, job) = await submit(submission, hint: "a")
        let result = Task { try await job.result().results.output }
        for name in ["worker-1", "worker-2"] {
            let worker = try await SimulatedWorker.register(harness, name: name)
            let (_, pop) = await worker.pop()
            _ = try await pop.response()
            worker.link.breakLink()
        }
        do {
            _ = try await result.value
            Issue.record("the job must fail after its last attempt")
        } catch let error as RPCError {
            #expect(error.reason.contains("Worker \"worker-2\" disconnected while running the job"))
        }
        withExtendedLifetime(ticket.capability) {}
        await harness.close()
    }

    @Test func cancellingARequeuedJobRemovesItFromTheQueue() async throws {
        let harness = try ServiceHarness()
        let submission = try await harness.submission(client: "alice")
        let w1 = try await SimulatedWorker.register(harness, name: "worker-1")
        let (_, pop) = await w1.pop()
        let (ticket, job) = await submit(submission, hint: "a")
        _ = try await pop.response()
        w1.link.breakLink()
        try await waitForShow(harness, "queue: (backlog) [alice:a@")
        _ = try await ticket.cancel()
        try await waitForShow(harness, "queue: (backlog) []")
        await #expect(throws: RPCError(.failed, "Ticket cancelled")) { try await job.result() }
        await harness.close()
    }

    @Test func maxAttemptsSpec() throws {
        var policy = RequeuePolicy()
        try policy.setMaxAttempts("5,linux-arm32=1")
        #expect(policy.maxAttempts(pool: "linux-x86_64") == 5)
        #expect(policy.maxAttempts(pool: "linux-arm32") == 1)
        for bad in ["0", "x", "=3", "a=", "3,,4"] {
            var other = RequeuePolicy()
            #expect(throws: SchedulerError.self) { try other.setMaxAttempts(bad) }
        }
    }
}
