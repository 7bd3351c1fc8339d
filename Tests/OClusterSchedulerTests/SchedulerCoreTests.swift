// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import OClusterAPI
import TestSupport
import Testing

@testable import OClusterScheduler

/// The scheduler's decisions without connections or tasks: the core is called directly, as the actor calls
/// it, and what it asks of the world (watch a job, write a batch later) is recorded instead of done.
@Suite struct SchedulerCoreTests {
    /// A core over one pool `pool` in a fresh state directory, with its effects recorded.
    final class Fixture {
        let temp: TemporaryDirectory
        let core: SchedulerCore
        var watched: [(pool: String, worker: WorkerID)] = []
        var flushes: [String] = []
        var attempts: [WatchedAttempt] = []

        init() throws {
            temp = try TemporaryDirectory()
            let store = try SchedulerStore(stateDirectory: temp.file("state"))
            core = try SchedulerCore(pools: ["pool"], store: store)
            core.watchJob = { [unowned self] _, attempt, pool, worker, _ in
                self.watched.append((pool, worker))
                self.attempts.append(attempt)
            }
            core.scheduleFlush = { [unowned self] pool in self.flushes.append(pool) }
        }

        deinit { temp.remove() }

        func register(_ name: String) throws -> WorkerID {
            try core.register(pool: "pool", worker: name, capacity: 1, capability: Worker.client(FakeWorker()))
        }

        func submit(_ cacheHint: String, client: String = "alice") throws -> SchedulerItem {
            let message = MessageBuilder()
            let descr = message.initRoot(JobDescr.Builder.self)
            descr.cacheHint = cacheHint
            let reader = try Framing.decode(message.serialize()).root(as: JobDescr.Reader.self)
            return try core.submit(
                client: client,
                pool: "pool",
                descr: StoredJobDescr(copying: reader),
                cacheHint: cacheHint,
                urgent: false
            )
        }
    }

    private static let job = Capability.broken(RPCError(.failed, "a job object that is never called"))

    private static func cacheHint(_ answer: PopAnswer?) throws -> String? {
        guard case .job(let descr) = answer else { return nil }
        return try descr.reader.cacheHint
    }

    /// A pop that finds the queue empty is registered in the same step, so a job submitted before its caller
    /// first awaits goes to it: the lost wake-up an `await` between the two once caused cannot happen.
    @Test func aPendingPopGetsTheNextJobAtOnce() throws {
        let fixture = try Fixture()
        let worker = try fixture.register("w1")
        let (answer, request) = fixture.core.startPop(pool: "pool", worker: worker, job: Self.job)
        #expect(request != nil)
        #expect(answer.current == nil)

        let item = try fixture.submit("a")
        #expect(try Self.cacheHint(answer.current) == "a")
        #expect(item.promise.current != nil)
        #expect(fixture.watched.map(\.worker) == [worker])
        #expect(fixture.core.runningJobCount(pool: "pool", worker: worker) == 1)
    }

    /// A job reaching a pop its worker abandoned is not given to it but queued again, for the next worker.
    @Test func aJobForAnAbandonedPopIsRequeued() throws {
        let fixture = try Fixture()
        let w1 = try fixture.register("w1")
        let (abandoned, request) = fixture.core.startPop(pool: "pool", worker: w1, job: Self.job)
        fixture.core.abandonPop(pool: "pool", request: try #require(request))
        guard case .cancelled = abandoned.current else {
            Issue.record("the abandoned pop was answered with \(String(describing: abandoned.current))")
            return
        }

        let item = try fixture.submit("b")
        #expect(item.promise.current == nil)
        #expect(fixture.watched.isEmpty)
        #expect(fixture.core.runningJobCount(pool: "pool", worker: w1) == 0)

        // The requeued job waits for a worker again; w1's connection then drops.
        fixture.core.release(pool: "pool", worker: w1)
        let w2 = try fixture.register("w2")
        let (answer, _) = fixture.core.startPop(pool: "pool", worker: w2, job: Self.job)
        #expect(try Self.cacheHint(answer.current) == "b")
        #expect(fixture.watched.map(\.worker) == [w2])
    }

    /// Cache-hint records of many assignments are written in one batch: one flush is asked for until it runs.
    @Test func cacheHintWritesAreBatched() throws {
        let fixture = try Fixture()
        let worker = try fixture.register("w1")
        for hint in ["a", "b", "c"] {
            _ = try fixture.submit(hint)
            _ = fixture.core.startPop(pool: "pool", worker: worker, job: Self.job)
            fixture.core.jobFinished(pool: "pool", worker: worker)
        }
        #expect(fixture.flushes == ["pool"])
        #expect(fixture.core.flushScheduled == ["pool"])

        fixture.core.flush("pool")
        #expect(fixture.core.flushScheduled.isEmpty)
        #expect(fixture.core.pools["pool"]?.inspect { $0.changes.isEmpty } == true)
        _ = try fixture.submit("d")
        _ = fixture.core.startPop(pool: "pool", worker: worker, job: Self.job)
        #expect(fixture.flushes == ["pool", "pool"])
    }

    /// A drain's wait is woken by the job finishing, and a cancelled ticket's job never reaches a worker.
    @Test func runningJobsSignalAndCancel() throws {
        let fixture = try Fixture()
        let worker = try fixture.register("w1")
        _ = try fixture.submit("a")
        _ = fixture.core.startPop(pool: "pool", worker: worker, job: Self.job)
        guard case .draining(let id, running: 1) = try fixture.core.startDrain(pool: "pool", worker: "w1") else {
            Issue.record("the drain did not start with one running job")
            return
        }
        let changed = try #require(fixture.core.runningJobsChanged(pool: "pool", worker: id))
        #expect(changed.current == nil)
        fixture.core.jobFinished(pool: "pool", worker: id)
        #expect(changed.current != nil)
        #expect(fixture.core.runningJobCount(pool: "pool", worker: id) == 0)

        let queued = try fixture.submit("b")
        #expect(fixture.core.cancelQueued(queued, reason: "Ticket released (cancelled)"))
        guard case .failure(let error) = queued.promise.current else {
            Issue.record("the cancelled ticket's job was not failed")
            return
        }
        #expect(error.reason == "Ticket released (cancelled)")
        #expect(!fixture.core.cancelQueued(queued, reason: "again"))
    }

    /// Unknown pools get ocluster's messages.
    @Test func unknownPool() throws {
        let fixture = try Fixture()
        #expect(throws: SchedulerError.self) {
            try fixture.core.show(pool: "nope")
        }
        #expect(fixture.core.unknownPoolMessage("x") == "Pool ID \"x\" not one of {pool}")
    }
}
