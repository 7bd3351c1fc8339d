// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import CapnProtoTestSupport
import Foundation
import OClusterAPI
import OClusterScheduler
import TestSupport
import Testing

/// `Scheduler.statusSnapshot()`: what the status page shows, driven through the real RPC services.
@Suite(.timeLimit(.minutes(1)))
struct StatusSnapshotTests {
    @Test
    func workersQueueClientsAndOutcomes() async throws {
        let harness = try ServiceHarness()
        let alice = try await harness.submission(client: "alice")
        let bob = try await harness.submission(client: "bob")
        let admin = await harness.admin()
        let pool = PoolAdmin.Client(await admin.pool { params, _ in params.name = "pool" }.pipeline(0))
        _ = try await pool.setRate(id: "bob", rate: 3)

        let before = Date().timeIntervalSince1970
        let w1 = try await SimulatedWorker.register(harness, name: "worker-1", capacity: 2)
        let w2 = try await SimulatedWorker.register(harness, name: "worker-2")
        try await harness.scheduler.setAdminActive(pool: "pool", worker: "worker-2", active: false, autoCreate: false)
        // worker-1 has not asked for work yet, so the jobs wait in the backlog.
        let normal = await submit(alice, hint: "h1")
        let urgent = await submit(bob, hint: "h2", urgent: true)
        let doomed = await submit(alice, hint: "")
        try await waitUntil("three jobs are queued") {
            await harness.scheduler.statusSnapshot().pools[0].queuedTotal == 3
        }

        var status = await harness.scheduler.statusSnapshot()
        #expect(status.time >= before)
        #expect(status.pools.map(\.name) == ["pool"])
        var snapshot = status.pools[0]
        #expect(snapshot.capacity == 3)
        #expect(snapshot.queuedUrgent == 1)
        #expect(snapshot.queued.map(\.client) == ["bob", "alice", "alice"])
        #expect(snapshot.queued.map(\.urgent) == [true, false, false])
        #expect(snapshot.queued.map(\.cacheHint) == ["h2", "h1", ""])
        #expect(snapshot.queued.allSatisfy { $0.waiting >= 0 && $0.waiting < 30 && $0.worker == nil })
        #expect(snapshot.workers.map(\.name) == ["worker-1", "worker-2"])
        #expect(snapshot.workers.map(\.state) == [.active, .paused])
        #expect(snapshot.workers[0].reasons.isEmpty)
        #expect(snapshot.workers[0].capacity == 2)
        #expect(snapshot.workers[1].reasons == ["admin pause"])
        #expect(snapshot.workers.allSatisfy { ($0.lastSeen ?? 0) >= before })
        #expect(snapshot.clients.map(\.id) == ["alice", "bob"])
        #expect(snapshot.clients.map(\.rate) == [1, 3])
        #expect(snapshot.clients.map(\.share) == [0.25, 0.75])
        #expect(snapshot.clients.map(\.queued) == [2, 1])
        #expect(snapshot.jobsSubmitted == 3)

        // A cancelled job is recorded as such, with no worker.
        _ = try await doomed.ticket.cancel()
        // worker-1 pops: it gets the urgent job first, then the other.
        let (fake1, pop1) = await w1.pop()
        #expect(try await hint(of: pop1) == "h2")
        let (fake2, pop2) = await w1.pop()
        #expect(try await hint(of: pop2) == "h1")
        status = await harness.scheduler.statusSnapshot()
        snapshot = status.pools[0]
        #expect(snapshot.queuedTotal == 0)
        #expect(snapshot.workers[0].running == 2)
        #expect(snapshot.clients.map(\.running) == [1, 1])
        #expect(status.recentJobs.map(\.outcome) == [.cancelled])
        #expect(status.recentJobs[0].client == "alice")
        #expect(status.recentJobs[0].worker == nil)

        fake1.finish(.success("done"))
        _ = try await urgent.job.result()
        fake2.finish(.failure(RPCError(.failed, "Build failed")))
        _ = try? await normal.job.result()
        try await waitUntil("three jobs are recent") { await harness.scheduler.statusSnapshot().recentJobs.count == 3 }
        status = await harness.scheduler.statusSnapshot()
        // Newest first.
        #expect(status.recentJobs.map(\.outcome) == [.failed, .succeeded, .cancelled])
        #expect(status.recentJobs.map(\.client) == ["alice", "bob", "alice"])
        #expect(status.recentJobs.map(\.worker) == ["worker-1", "worker-1", nil])
        #expect(status.recentJobs.allSatisfy { $0.pool == "pool" && $0.duration >= 0 && $0.finished >= before })
        #expect(status.pools[0].workers[0].running == 0)

        // A disconnected worker stays listed (it is known), inactive.
        w2.link.breakLink()
        try await waitUntil("the disconnected worker is inactive") {
            await harness.scheduler.statusSnapshot().pools[0].workers[1].state == .inactive
        }
        status = await harness.scheduler.statusSnapshot()
        #expect(status.pools[0].workers[1].reasons == ["disconnected", "admin pause"])
        #expect(status.pools[0].workers[1].capacity == nil)
        #expect(status.pools[0].capacity == 2)
        await harness.close()
    }

    @Test
    func jsonHasStableFieldsAndRoundTrips() throws {
        let status = SchedulerStatus(
            time: 1_700_000_000.5,
            pools: [
                PoolStatus(
                    name: "linux-x86_64",
                    capacity: 4,
                    workers: [
                        WorkerStatus(
                            name: "w1",
                            state: .paused,
                            reasons: ["admin pause"],
                            running: 1,
                            capacity: 4,
                            queued: 0,
                            lastSeen: 1_700_000_000
                        ),
                        WorkerStatus(
                            name: "w2",
                            state: .inactive,
                            reasons: ["disconnected"],
                            running: 0,
                            capacity: nil,
                            queued: 0,
                            lastSeen: nil
                        ),
                    ],
                    queuedTotal: 1,
                    queuedUrgent: 0,
                    queued: [QueuedJobStatus(client: "ci", urgent: false, cacheHint: "", waiting: 2, worker: nil)],
                    clients: [ClientStatus(id: "ci", rate: 1, share: 1, queued: 1, running: 1, delay: 0)],
                    jobsSubmitted: 2,
                    jobsAccepted: 1,
                    jobsCancelled: 0
                )
            ],
            recentJobs: [
                FinishedJobStatus(
                    pool: "linux-x86_64",
                    client: "ci",
                    worker: "w1",
                    outcome: .succeeded,
                    waited: 0.5,
                    duration: 30,
                    finished: 1_699_999_990
                )
            ]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(status)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.hasPrefix(#"{"pools":[{"capacity":4,"clients":[{"delay":0,"id":"ci","queued":1,"#))
        #expect(json.contains(#""state":"paused""#))
        #expect(json.contains(#""state":"inactive""#))
        #expect(json.contains(#""outcome":"succeeded""#))
        // An absent value is left out, not written as null.
        #expect(!json.contains("null"))
        #expect(try JSONDecoder().decode(SchedulerStatus.self, from: data) == status)
    }
}
