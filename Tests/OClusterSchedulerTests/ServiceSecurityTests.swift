// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI
import OClusterScheduler
import Testing

/// What each capability does not allow.
@Suite(.timeLimit(.minutes(1)))
struct ServiceSecurityTests {
    @Test func poolCapCannotSubmit() async throws {
        let harness = try ServiceHarness()
        let (registration, _) = await harness.connect(harness.services.poolServiceID("pool")!)
        let asSubmission = Submission.Client(registration)
        do {
            _ = try await asSubmission.submit { params, _ in
                params.pool = "pool"
                params.initDescr().cacheHint = "x"
            }.response()
            Issue.record("a pool capability must not accept submissions")
        } catch let error as RPCError {
            #expect(error.kind == .unimplemented)
        }
        let asAdmin = Admin.Client(registration)
        await #expect(throws: RPCError.self) { try await asAdmin.pools() }
        #expect(try await harness.scheduler.show(pool: "pool").contains("queue: (backlog) []"))
        await harness.close()
    }

    @Test func submissionCapCannotAdminister() async throws {
        let harness = try ServiceHarness()
        let submission = try await harness.submission(client: "alice")
        do {
            _ = try await Admin.Client(submission.capability).addClient(id: "mallory")
            Issue.record("a submission capability must not administer")
        } catch let error as RPCError {
            #expect(error.kind == .unimplemented)
        }
        do {
            _ = try await PoolAdmin.Client(submission.capability).setActive(
                worker: "w",
                active: false,
                autoCreate: true
            )
            Issue.record("a submission capability must not administer pools")
        } catch let error as RPCError {
            #expect(error.kind == .unimplemented)
        }
        do {
            _ = try await Registration.Client(submission.capability).register(name: "w", worker: nil, capacity: 1)
            Issue.record("a submission capability must not register workers")
        } catch let error as RPCError {
            #expect(error.kind == .unimplemented)
        }
        let admin = await harness.admin()
        #expect(try await admin.listClients().results.clients.toArray() == ["alice"])
        #expect(try await harness.scheduler.knownWorkers(pool: "pool").isEmpty)
        await harness.close()
    }

    @Test func removedClientCapStopsWorking() async throws {
        let harness = try ServiceHarness()
        let alice = try await harness.submission(client: "alice")
        let bob = try await harness.submission(client: "bob")
        _ = try await (await harness.admin()).removeClient(id: "alice")
        let (_, revoked) = await submit(alice, hint: "a")
        await #expect(throws: RPCError(.failed, "Access has been revoked")) { try await revoked.result() }
        let (_, queued) = await submit(bob, hint: "b")
        let worker = try await SimulatedWorker.register(harness, name: "worker-1")
        let (fake, pop) = await worker.pop()
        #expect(try await hint(of: pop) == "b")
        fake.finish(.success("ok"))
        #expect(try await queued.result().results.output == "ok")
        // Adding the client again makes a new endpoint; the old one stays revoked.
        _ = try await harness.submission(client: "alice")
        let (_, stillRevoked) = await submit(alice, hint: "a")
        await #expect(throws: RPCError(.failed, "Access has been revoked")) { try await stillRevoked.result() }
        await harness.close()
    }

    @Test func secondWorkerWithTakenNameIsRefused() async throws {
        let harness = try ServiceHarness()
        let first = try await SimulatedWorker.register(harness, name: "worker-1")
        await #expect(throws: RPCError(.failed, "Worker already registered!")) {
            _ = try await SimulatedWorker.register(harness, name: "worker-1")
        }
        let workers = try await harness.scheduler.knownWorkers(pool: "pool")
        #expect(workers.map(\.name) == ["worker-1"] && workers[0].connected)
        withExtendedLifetime(first) {}
        await harness.close()
    }

    @Test func unknownServiceIDIsRefused() async throws {
        let harness = try ServiceHarness()
        let (unknown, _) = await harness.connect(Array(repeating: 1, count: 20))
        await #expect(throws: RPCError(.failed, "Unknown persistent service ID")) {
            try await Admin.Client(unknown).pools()
        }
        await harness.close()
    }

    @Test func missingJobCapabilityInPopIsAnError() async throws {
        let harness = try ServiceHarness()
        let worker = try await SimulatedWorker.register(harness, name: "worker-1")
        await #expect(throws: RPCError(.failed, "Missing job!")) { try await worker.queue.pop(job: nil) }
        await harness.close()
    }
}
