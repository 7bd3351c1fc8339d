// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterScheduler
import Testing

/// A job whose worker was lost goes back to the front of the queue (no I/O: the pool alone).
@Suite struct PoolRequeueTests {
    /// Requeued ahead of jobs queued before and after it, behind urgent ones; the client's fair clock and the
    /// submitted count do not move.
    @Test func requeuedJobGoesToTheFrontOfItsUrgency() throws {
        var h = Harness("requeue")
        let w1 = try h.connect("worker-1")
        let first = h.pop(w1)
        h.submit("u1", "job1")
        h.pause()
        #expect(h.state(first) == "job1")
        h.submit("u1", "job2")
        h.submit("u2", "job3")
        h.submit("u2", "job4", urgent: true)
        let clientsBefore = h.dump().split(separator: "\n").first { $0.hasPrefix("clients:") }
        let submittedBefore = h.pool.metrics.jobsSubmitted
        try h.pool.release(w1)
        h.pause()
        h.pool.requeue(client: "u1", item: TestJob(job: "job1", cacheHint: ""), urgent: false)
        #expect(h.pool.metrics.jobsSubmitted == submittedBefore)
        #expect(h.dump().split(separator: "\n").first { $0.hasPrefix("clients:") } == clientsBefore)
        let w2 = try h.connect("worker-2")
        var order: [String] = []
        for _ in 0..<4 {
            let handle = h.pop(w2)
            h.pause()
            order.append(h.state(handle))
            h.pool.jobFinished(w2)
        }
        // Then fair queueing as before: u2 has had no job yet, u1 has.
        #expect(order == ["job4", "job1", "job3", "job2"])
    }

    /// A requeued job keeps its cache hint: it goes to the worker that has the hint cached.
    @Test func requeuedJobKeepsItsCacheHint() throws {
        var h = Harness("requeue-hint")
        let w2 = try h.connect("worker-2")
        let seed = h.pop(w2)
        h.submit("u1", "seed", hint: "a")
        h.pause()
        #expect(h.state(seed) == "seed")
        h.pool.jobFinished(w2)
        h.submit("u1", "other")
        h.pool.requeue(client: "u1", item: TestJob(job: "build-a", cacheHint: "a"), urgent: false)
        // worker-3 asks first: the requeued job, first in the backlog, goes to worker-2, which has "a".
        let w3 = try h.connect("worker-3")
        let third = h.pop(w3)
        h.pause()
        #expect(h.state(third) == "other")
        let second = h.pop(w2)
        h.pause()
        #expect(h.state(second) == "build-a")
    }

    /// Several requeues in a row each go ahead of the others: the last one lost is first.
    @Test func laterRequeuesGoFirst() throws {
        var h = Harness("requeue-counts")
        h.submit("u1", "job2")
        h.pool.requeue(client: "u1", item: TestJob(job: "job1", cacheHint: ""), urgent: false)
        h.pool.requeue(client: "u1", item: TestJob(job: "job0", cacheHint: ""), urgent: false)
        #expect(h.dump().contains("queue: (backlog) [u1:job2@"))
        let w1 = try h.connect("worker-1")
        var order: [String] = []
        for _ in 0..<3 {
            let handle = h.pop(w1)
            h.pause()
            order.append(h.state(handle))
            h.pool.jobFinished(w1)
        }
        #expect(order == ["job0", "job1", "job2"])
        #expect(h.pool.metrics.jobsAccepted == 3)
        #expect(h.pool.metrics.jobsSubmitted == 1)
    }
}
