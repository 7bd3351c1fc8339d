// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI
import Testing

@testable import OClusterScheduler

/// Requeue decisions of the core, without connections: attempts are counted, the job goes back to the queue
/// while attempts remain, and fails naming the worker after the last.
@Suite struct SchedulerCoreRequeueTests {
    private static let job = Capability.broken(RPCError(.failed, "a job object that is never called"))
    private static let lost = RPCError(.disconnected, "Connection closed")

    @Test func attemptsAreCountedUntilTheLimit() throws {
        let fixture = try SchedulerCoreTests.Fixture()
        let item = try fixture.submit("a")
        for (index, name) in ["w1", "w2", "w3"].enumerated() {
            let worker = try fixture.register(name)
            let (answer, _) = fixture.core.startPop(pool: "pool", worker: worker, job: Self.job)
            guard case .job = answer.current else {
                Issue.record("attempt \(index + 1) was not handed to \(name)")
                return
            }
            let watched = try #require(fixture.attempts.last)
            #expect(watched.attempt == index + 1)
            #expect(watched.worker == name)
            fixture.core.release(pool: "pool", worker: worker)
            fixture.core.jobFinished(pool: "pool", worker: worker)
            fixture.core.attemptEnded(watched, lost: Self.lost, pool: "pool")
            let show = try fixture.core.show(pool: "pool")
            if index < 2 {
                #expect(fixture.core.pools["pool"]!.pool.isQueued(item.ticket))
                #expect(show.contains("retried:\n  alice:a attempt \(index + 2) of 3, queued (\(name) lost: "))
            } else {
                #expect(!fixture.core.pools["pool"]!.pool.isQueued(item.ticket))
                #expect(!show.contains("retried:"))
            }
        }
        let attempts = try #require(fixture.attempts.last?.attempts)
        #expect(attempts.failure?.reason == "Worker \"w3\" disconnected while running the job (Connection closed)")
    }

    @Test func aSettledAttemptIsNotRequeued() throws {
        let fixture = try SchedulerCoreTests.Fixture()
        let item = try fixture.submit("a")
        let worker = try fixture.register("w1")
        _ = fixture.core.startPop(pool: "pool", worker: worker, job: Self.job)
        let watched = try #require(fixture.attempts.last)
        fixture.core.jobFinished(pool: "pool", worker: worker)
        fixture.core.attemptEnded(watched, lost: nil, result: .success("built"), pool: "pool")
        #expect(!fixture.core.pools["pool"]!.pool.isQueued(item.ticket))
        #expect(watched.attempts?.failure == nil)
        // Answered from what the scheduler got, even if the worker goes away now.
        if case .done(.success(let output))? = watched.attempts?.resultStep() {
            #expect(output == "built")
        } else {
            Issue.record("a settled attempt answers its result")
        }
    }

    @Test func theLogContinuesAfterARequeueLine() throws {
        let attempts = JobAttempts(maxAttempts: 3)
        let first = Job.Client(Self.job)
        #expect(isWait(attempts.logStep(from: 0)))
        attempts.started(on: first, worker: "w1")
        guard case .forward(_, let base, 1, false, "w1") = attempts.logStep(from: 0) else {
            Issue.record("attempt 1 forwards")
            return
        }
        #expect(base == 0)
        #expect(attempts.delivered(upTo: 10, attempt: 1))
        attempts.requeued(line: "--- lost ---\n")
        // An answer of the lost attempt that arrives after the requeue is dropped (the chaos benchmark's client
        // was sent past the requeue line, and the next worker refused its offset).
        #expect(!attempts.delivered(upTo: 40, attempt: 1))
        // Asking from where the client was, or from anywhere in the lost attempt: the requeue line.
        for start: Int64 in [10, 4] {
            guard case .answer(let bytes, let next) = attempts.logStep(from: start) else {
                Issue.record("the requeue line answers from \(start)")
                return
            }
            #expect(String(decoding: bytes, as: UTF8.self) == "--- lost ---\n")
            #expect(next == 23)
        }
        guard case .answer(let rest, 23) = attempts.logStep(from: 14) else {
            Issue.record("the rest of the line")
            return
        }
        #expect(String(decoding: rest, as: UTF8.self) == "lost ---\n")
        #expect(isWait(attempts.logStep(from: 23)))
        attempts.started(on: first, worker: "w2")
        guard case .forward(_, 23, 2, false, "w2") = attempts.logStep(from: 30) else {
            Issue.record("attempt 2 forwards with its base")
            return
        }
        // A late answer of attempt 1 does not move the end of attempt 2.
        #expect(!attempts.delivered(upTo: 99, attempt: 1))
        attempts.requeued(line: "x\n")
        guard case .answer(_, 25) = attempts.logStep(from: 23) else {
            Issue.record("the second line starts where attempt 2 started, nothing having been read")
            return
        }
    }

    private func isWait(_ step: JobAttempts.LogStep) -> Bool {
        if case .wait = step { return true }
        return false
    }
}
