// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import OClusterAPI
import Testing

@testable import OClusterScheduler

/// A ticket's sturdy ref (`Persistent.save`) still resolves after a restart, and restoring it is the reattach
/// that lets a worker take the job held since.
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
}
