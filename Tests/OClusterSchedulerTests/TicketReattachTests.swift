// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import OClusterAPI
import TestSupport
import Testing

@testable import OClusterScheduler

/// A ticket's or job's sturdy ref (`Persistent.save`) still resolves after a restart, and restoring it is the
/// reattach that lets a worker take the job held since.
@Suite struct TicketReattachTests {
    static let persistentInterfaceID: UInt64 = 0xc8cb_212f_cd9f_5691

    /// `Persistent.save` on a capability: the sturdy ref URI.
    static func save(_ capability: Capability) async throws -> String {
        let saved = try await capability.call(interfaceId: persistentInterfaceID, methodId: 0) { payload in
            _ = payload.content.initStruct(dataWords: 0, pointerCount: 1)
        }
        return try saved.content.readStruct().pointer(0).readText()
    }

    @Test func aSavedTicketReattachesAfterARestart() async throws {
        let first = try ServiceHarness()
        let submission = try await first.submission(client: "alice")
        let other = try await first.submission(client: "bob")
        let (ticket, _) = await submit(submission, hint: "kept")
        let uri = try await Self.save(ticket.capability)
        let (bobTicket, _) = await submit(other, hint: "bob's")
        let bobURI = try await Self.save(bobTicket.capability)
        #expect(uri.hasPrefix("capnp://insecure@scheduler.test:7000/"))
        let ref = try SturdyRef(parsing: uri)
        #expect(ref.serviceID.bytes.count == SchedulerServices.ticketIDLength)
        #expect(try SturdyRef(parsing: bobURI).serviceID != ref.serviceID)
        try await waitForShow(first, "alice:kept")

        // Restarted (as after kill -9): both jobs are held; bob is removed, which revokes his ticket's ref.
        var configuration = Scheduler.Configuration()
        configuration.reattachTimeout = .seconds(600)
        let second = try ServiceHarness(configuration: configuration, reusing: first.directory)
        defer { Task { await second.close() } }
        #expect(try await second.scheduler.show(pool: "pool").contains("queue: (backlog) []"))
        _ = try await second.admin().removeClient(id: "bob")
        let worker = try await SimulatedWorker.register(second, name: "worker-1")
        let (fakeJob, pop) = await worker.pop(log: "built once\n")

        // A forged ID (right job number, wrong MAC) and the revoked ref resolve to nothing.
        var forged = ref.serviceID.bytes
        forged[forged.count - 1] ^= 1
        let forgedTicket = Ticket.Client(await second.connect(forged).capability)
        await #expect(throws: (any Error).self) { _ = try await forgedTicket.job().results }
        let revoked = Ticket.Client(await second.connect(try SturdyRef(parsing: bobURI).serviceID.bytes).capability)
        await #expect(throws: (any Error).self) { _ = try await revoked.job().results }
        // The worker stays idle: nothing it may take.
        try await waitForShow(second, "queue: (ready) [worker-1]")

        // The genuine ref: the job is released to the worker, and its log and result reach the client.
        let restored = Ticket.Client(await second.connect(ref.serviceID.bytes).capability)
        let job = Job.Client(await restored.job { _, _ in }.pipeline(0))
        #expect(try await hint(of: pop) == "kept")
        let log = try await job.log(start: 0)
        #expect(try log.results.log == Array("built once\n".utf8))
        fakeJob.finish(.success("done"))
        #expect(try await job.result().results.output == "done")
        // Saving the restored ticket gives the same ref.
        #expect(try await Self.save(restored.capability) == uri)
        await first.close()
    }

    @Test func aSavedJobReattachesAfterARestartAndShowListsItWhileHeld() async throws {
        let first = try ServiceHarness()
        let submission = try await first.submission(client: "alice")
        let (ticket, job) = await submit(submission, hint: "running")
        let firstWorker = try await SimulatedWorker.register(first, name: "worker-1")
        let (_, firstPop) = await firstWorker.pop(log: "attempt one\n")
        #expect(try await hint(of: firstPop) == "running")
        let uri = try await Self.save(job.capability)
        let ticketURI = try await Self.save(ticket.capability)
        let ref = try SturdyRef(parsing: uri)
        #expect(ref.serviceID.bytes.count == SchedulerServices.ticketIDLength)
        #expect(try SturdyRef(parsing: ticketURI).serviceID != ref.serviceID, "a job's ref is not its ticket's")
        #expect(!(try await first.scheduler.show(pool: "pool")).contains("held"))

        // Restarted (as after kill -9) while the job ran: it is held, and admin `show` lists it.
        var configuration = Scheduler.Configuration()
        configuration.reattachTimeout = .seconds(600)
        let second = try ServiceHarness(configuration: configuration, reusing: first.directory)
        defer { Task { await second.close() } }
        let held = try await second.scheduler.show(pool: "pool")
        #expect(held.contains("\nheld until their client reattaches (cancelled in "), "\(held)")
        #expect(held.contains("\n  alice:running (job 1)"), "\(held)")
        let worker = try await SimulatedWorker.register(second, name: "worker-1")
        let (fakeJob, pop) = await worker.pop(log: "attempt two\n")

        // The job's ref restores to the `Job` itself: the held job goes to the worker, its log and result come.
        let restored = Job.Client(await second.connect(ref.serviceID.bytes).capability)
        #expect(try await hint(of: pop) == "running")
        #expect(try await restored.log(start: 0).results.log == Array("attempt two\n".utf8))
        fakeJob.finish(.success("done"))
        #expect(try await restored.result().results.output == "done")
        #expect(try await Self.save(restored.capability) == uri)
        let after = try await second.scheduler.show(pool: "pool")
        #expect(!after.contains("held"), "\(after)")
        await first.close()
    }

    @Test func aReattachedClientReadsOnAfterALineSayingTheSchedulerRestarted() async throws {
        let first = try ServiceHarness()
        let submission = try await first.submission(client: "alice")
        let (ticket, job) = await submit(submission, hint: "restarted")
        let uri = try await Self.save(ticket.capability)
        let firstWorker = try await SimulatedWorker.register(first, name: "worker-1")
        _ = await firstWorker.pop(log: "attempt one, with a longer log\n")
        let read = try await job.log(start: 0).results
        #expect(try read.log == Array("attempt one, with a longer log\n".utf8))

        // Restarted while the job ran; the client reattaches and reads on from where it was.
        var configuration = Scheduler.Configuration()
        configuration.reattachTimeout = .seconds(600)
        let second = try ServiceHarness(configuration: configuration, reusing: first.directory)
        defer { Task { await second.close() } }
        let worker = try await SimulatedWorker.register(second, name: "worker-1")
        let (fakeJob, pop) = await worker.pop(log: "attempt two\n")
        let restored = Ticket.Client(await second.connect(try SturdyRef(parsing: uri).serviceID.bytes).capability)
        let again = Job.Client(await restored.job { _, _ in }.pipeline(0))
        #expect(try await hint(of: pop) == "restarted")
        // The run before is gone with its log: a line says so at the client's offset, then this run's log.
        let line = try await again.log(start: read.next).results
        #expect(String(decoding: try line.log, as: UTF8.self) == "--- scheduler restarted; job requeued ---\n")
        #expect(line.next == read.next + Int64(JobAttempts.restartLine.utf8.count))
        let rest = try await again.log(start: line.next).results
        #expect(try rest.log == Array("attempt two\n".utf8))
        #expect(rest.next == line.next + 12)
        fakeJob.finish(.success("done"))
        #expect(try await again.result().results.output == "done")
        await first.close()
    }

    /// A job that finished while its client was away (here: before a kill -9 of the scheduler) keeps its result
    /// in its row; the client that reattaches reads a line saying the rest of the log is gone, then the result.
    /// Once the client lets go, the row goes.
    @Test func aReattachedClientGetsTheResultOfAJobThatFinishedBeforeTheRestart() async throws {
        let first = try ServiceHarness()
        let rows = try SchedulerStore(stateDirectory: first.directory + "/state")
        defer { try? rows.close() }
        let submission = try await first.submission(client: "alice")
        let (ticket, job) = await submit(submission, hint: "finished")
        let uri = try await Self.save(ticket.capability)
        let worker = try await SimulatedWorker.register(first, name: "worker-1")
        let (fakeJob, pop) = await worker.pop(log: "the log the client read\n")
        #expect(try await hint(of: pop) == "finished")
        let read = try await job.log(start: 0).results
        fakeJob.finish(.failure(RPCError(.failed, "Build failed: exit 2")))
        try await waitUntil("the result is kept in the job's row") {
            try rows.queuedJobs().map(\.result) == [.failure(RPCError(.failed, "Build failed: exit 2"))]
        }

        var configuration = Scheduler.Configuration()
        configuration.reattachTimeout = .seconds(600)
        let second = try ServiceHarness(configuration: configuration, reusing: first.directory)
        defer { Task { await second.close() } }
        let held = try await second.scheduler.show(pool: "pool")
        #expect(held.contains("\n  alice:finished (job 1, finished)"), "\(held)")
        #expect(held.contains("queue: (backlog) []"), "\(held)")
        let (capability, link) = await second.connect(try SturdyRef(parsing: uri).serviceID.bytes)
        let again = Job.Client(await Ticket.Client(capability).job { _, _ in }.pipeline(0))
        let line = try await again.log(start: read.next).results
        #expect(String(decoding: try line.log, as: UTF8.self) == JobAttempts.finishedLine)
        #expect(line.next == read.next + Int64(JobAttempts.finishedLine.utf8.count))
        let end = try await again.log(start: line.next).results
        #expect(try end.log.isEmpty && end.next == line.next)
        await #expect(throws: RPCError(.failed, "Build failed: exit 2")) { _ = try await again.result().results }
        #expect(!(try await second.scheduler.show(pool: "pool")).contains("held"))

        link.breakLink()
        try await waitUntil("the row goes once the client let go") { try rows.queuedJobs().isEmpty }
        await first.close()
    }

    /// Without a restart, a kept result goes as soon as the client lets go of the job; after one, at the
    /// reattach timeout if the client does not come back.
    @Test func aKeptResultGoesWhenItsClientLetsGoOrDoesNotReattach() async throws {
        let first = try ServiceHarness()
        let rows = try SchedulerStore(stateDirectory: first.directory + "/state")
        defer { try? rows.close() }
        let submission = try await first.submission(client: "alice")
        let worker = try await SimulatedWorker.register(first, name: "worker-1")
        for (label, release) in [("released", true), ("abandoned", false)] {
            let (ticket, job) = await submit(submission, hint: label)
            let (fakeJob, pop) = await worker.pop(log: "log\n")
            #expect(try await hint(of: pop) == label)
            fakeJob.finish(.success("built \(label)"))
            #expect(try await job.result().results.output == "built \(label)")
            try await waitUntil("the result of \(label) is kept") {
                try rows.queuedJobs().contains { $0.cacheHint == label && $0.result != nil }
            }
            if release {
                _ = consume ticket
                _ = consume job
                try await waitUntil("the row of \(label) goes") {
                    try !rows.queuedJobs().contains { $0.cacheHint == label }
                }
            } else {
                withExtendedLifetime((ticket, job)) {}
            }
        }
        #expect(try rows.queuedJobs().map(\.cacheHint) == ["abandoned"])

        var configuration = Scheduler.Configuration()
        configuration.reattachTimeout = .milliseconds(100)
        let second = try ServiceHarness(configuration: configuration, reusing: first.directory)
        defer { Task { await second.close() } }
        try await waitUntil("the kept result is dropped at the reattach timeout") {
            try rows.queuedJobs().isEmpty
        }
        await first.close()
    }
}
