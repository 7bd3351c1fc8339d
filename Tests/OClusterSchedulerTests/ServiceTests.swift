// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import OClusterAPI
import OClusterScheduler
import Synchronization
import TestSupport
import Testing

/// The scheduler's RPC services, with clients and workers on in-memory connections.
@Suite(.timeLimit(.minutes(1)))
struct ServiceTests {
    @Test(arguments: SchedulerPlacement.allCases)
    func submitPopLogAndResult(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let worker = try await SimulatedWorker.register(harness, name: "worker-1")
        let (fake, pop) = await worker.pop(log: "Building on worker-1\nBuilding example\n")
        let (_, job) = await submit(submission, hint: "1")
        #expect(try await hint(of: pop) == "1")
        let log = try await job.log(start: 0)
        #expect(String(decoding: try log.results.log, as: UTF8.self) == "Building on worker-1\nBuilding example\n")
        fake.finish(.success("sha256:abc"))
        #expect(try await job.result().results.output == "sha256:abc")
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func jobSubmittedBeforeAnyWorkerStillRuns(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let (_, job) = await submit(submission, hint: "")
        let worker = try await SimulatedWorker.register(harness, name: "worker-1")
        let (fake, pop) = await worker.pop()
        _ = try await pop.response()
        fake.finish(.success(""))
        #expect(try await job.result().results.output == "")
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func cacheHintAffinityThroughRPC(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let w1 = try await SimulatedWorker.register(harness, name: "worker-1")
        let w2 = try await SimulatedWorker.register(harness, name: "worker-2")
        let first = await w1.pop()
        try await waitForShow(harness, "(ready) [worker-1]")
        let second = await w2.pop()
        try await waitForShow(harness, "(ready) [worker-2 worker-1]")
        // worker-1 has waited longest, so it gets the first job, and with it hint "a".
        let kept1 = await submit(submission, hint: "a")
        #expect(try await hint(of: first.call) == "a")
        let again = await w1.pop()
        try await waitForShow(harness, "(ready) [worker-1 worker-2]")
        // Another "a" job goes to worker-1 (it built "a"), not to worker-2, which has waited longer.
        let kept2 = await submit(submission, hint: "a")
        #expect(try await hint(of: again.call) == "a")
        let kept3 = await submit(submission, hint: "b")
        #expect(try await hint(of: second.call) == "b")
        let dump = try await harness.scheduler.dump(pool: "pool")
        #expect(dump.contains("a: [worker-1]"))
        #expect(dump.contains("b: [worker-2]"))
        withExtendedLifetime([kept1.ticket.capability, kept2.ticket.capability, kept3.ticket.capability]) {}
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func pauseStopsAssignmentUntilUnpaused(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let admin = await harness.admin()
        let pool = PoolAdmin.Client(await admin.pool { params, _ in params.name = "pool" }.pipeline(0))
        let worker = try await SimulatedWorker.register(harness, name: "worker-1")
        _ = try await pool.setActive(worker: "worker-1", active: false, autoCreate: false)
        let pop = await worker.pop()
        let kept4 = await submit(submission, hint: "x")
        try await waitForShow(harness, "queue: (backlog) [alice:x@")
        #expect(try await pool.show().results.state.contains("(inactive: admin pause)"))
        _ = try await pool.setActive(worker: "worker-1", active: true, autoCreate: false)
        #expect(try await hint(of: pop.call) == "x")
        let workers = try await pool.workers().results.workers
        #expect(workers.count == 1)
        #expect(try workers[0].name == "worker-1" && workers[0].active && workers[0].connected)
        withExtendedLifetime([kept4.ticket.capability]) {}
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func ticketCancelWhileQueued(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let (ticket, job) = await submit(submission, hint: "a")
        _ = try await ticket.cancel()
        await #expect(throws: RPCError(.failed, "Ticket cancelled")) { try await job.result() }
        #expect(try await harness.scheduler.show(pool: "pool").contains("queue: (backlog) []"))
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func ticketCancelAfterAssignmentCancelsTheJob(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let worker = try await SimulatedWorker.register(harness, name: "worker-1")
        let (fake, pop) = await worker.pop()
        let (ticket, job) = await submit(submission, hint: "a")
        _ = try await pop.response()
        _ = try await ticket.cancel()
        await #expect(throws: RPCError(.failed, "Build cancelled")) { try await job.result() }
        #expect(fake.cancelled.withLock { $0 })
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func workerDisconnectRequeuesQueuedJobsAndFailsRunningOnes(_ placement: SchedulerPlacement) async throws {
        // ocluster's behaviour: a running job is not retried.
        var configuration = Scheduler.Configuration()
        configuration.requeue = .never
        let harness = try ServiceHarness(configuration: configuration, placement: placement)
        let submission = try await harness.submission(client: "alice")
        let w1 = try await SimulatedWorker.register(harness, name: "worker-1")
        let w2 = try await SimulatedWorker.register(harness, name: "worker-2")
        let (_, running) = await submit(submission, hint: "a")
        #expect(try await hint(of: await w1.pop().call) == "a")
        let kept5 = await submit(submission, hint: "a")
        let kept6 = await submit(submission, hint: "a")
        try await waitForShow(harness, "queue: (backlog) [alice:a@")
        // worker-2 asks: both "a" jobs go to worker-1's queue (it has "a" cached), worker-2 waits.
        let waiting = await w2.pop()
        try await waitForShow(harness, "worker-1 (4): [alice:a@")
        w1.link.breakLink()
        // Its queued jobs come back: one to the idle worker-2, one to the backlog.
        #expect(try await hint(of: waiting.call) == "a")
        try await waitForShow(harness, "queue: (backlog) [alice:a@")
        // The job it was running fails, naming the worker.
        do {
            _ = try await running.result()
            Issue.record("the job of a dead worker must fail")
        } catch let error as RPCError {
            #expect(error.reason.contains("Worker \"worker-1\" disconnected while running the job"))
        }
        withExtendedLifetime([kept5.ticket.capability, kept6.ticket.capability]) {}
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func drainReportsRunningJobs(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let submission = try await harness.submission(client: "alice")
        let worker = try await SimulatedWorker.register(harness, name: "worker-1", capacity: 2)
        let (fake, pop) = await worker.pop()
        let kept7 = await submit(submission, hint: "")
        _ = try await pop.response()
        let pool = PoolAdmin.Client(
            await (await harness.admin()).pool { params, _ in params.name = "pool" }.pipeline(0)
        )
        let reports = ProgressRecorder()
        let drain = Task { try await pool.drain(worker: "worker-1", progress: Progress.client(reports)) }
        try await waitUntil("the job reports it is running") { reports.lines == ["Running jobs: 1"] }
        fake.finish(.success(""))
        _ = try await drain.value
        #expect(reports.lines == ["Running jobs: 1", "Running jobs: 0"])
        withExtendedLifetime([kept7.ticket.capability]) {}
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func adminWorkersAndForget(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let admin = await harness.admin()
        #expect(try await admin.pools().results.names.toArray() == ["pool"])
        let pool = PoolAdmin.Client(await admin.pool { params, _ in params.name = "pool" }.pipeline(0))
        await #expect(throws: RPCError(.failed, "Unknown worker")) {
            try await pool.setActive(worker: "worker-1", active: false, autoCreate: false)
        }
        _ = try await pool.setActive(worker: "worker-1", active: false, autoCreate: true)
        var workers = try await pool.workers().results.workers
        #expect(try workers.map { try $0.name } == ["worker-1"])
        #expect(!workers[0].active && !workers[0].connected)
        _ = try await pool.forget(worker: "worker-1")
        workers = try await pool.workers().results.workers
        #expect(workers.isEmpty)
        let missing = PoolAdmin.Client(await admin.pool { params, _ in params.name = "nope" }.pipeline(0))
        await #expect(throws: RPCError(.failed, "No such pool")) { try await missing.show() }
        await harness.close()
    }

    @Test(arguments: SchedulerPlacement.allCases)
    func clientsAndRates(_ placement: SchedulerPlacement) async throws {
        let harness = try ServiceHarness(placement: placement)
        let admin = await harness.admin()
        _ = try await admin.addClient(id: "client1")
        let client2 = try await harness.submission(client: "client2")
        #expect(try await admin.listClients().results.clients.toArray() == ["client1", "client2"])
        await #expect(throws: RPCError(.failed, "Client \"client2\" already registered!")) {
            try await admin.addClient(id: "client2")
        }
        let pool = PoolAdmin.Client(await admin.pool { params, _ in params.name = "pool" }.pipeline(0))
        _ = try await pool.setRate(id: "client2", rate: 3)
        await #expect(throws: RPCError(.failed, "No such user")) { try await pool.setRate(id: "nobody", rate: 3) }
        let kept8 = await submit(client2, hint: "h")
        try await waitForShow(harness, "client2(3)")
        _ = try await admin.removeClient(id: "client1")
        await #expect(throws: RPCError(.failed, "Unknown client \"client1\"")) {
            try await admin.removeClient(id: "client1")
        }
        let (_, job) = await submit(
            Submission.Client(try await harness.submission(client: "client3").capability),
            pool: "nope",
            hint: ""
        )
        await #expect(throws: RPCError(.failed, "Pool ID \"nope\" not one of {pool}")) { try await job.result() }
        withExtendedLifetime([kept8.ticket.capability]) {}
        await harness.close()
    }
}

/// Records progress reports.
final class ProgressRecorder: Progress.Server, Sendable {
    private let recorded = Mutex<[String]>([])

    var lines: [String] { recorded.withLock { $0 } }

    func report(
        _ params: Progress.ReportParams.Reader,
        _ results: Progress.ReportResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let status = try params.status
        recorded.withLock { $0.append(status) }
    }
}

/// Waits until the pool's `show` text contains `text`; on time-out records the text it had.
func waitForShow(
    _ harness: ServiceHarness,
    _ text: String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    var last = ""
    let shown = try await eventually {
        last = try await harness.scheduler.show(pool: "pool")
        return last.contains(text)
    }
    if !shown {
        Issue.record("pool never showed \(text):\n\(last)", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}
