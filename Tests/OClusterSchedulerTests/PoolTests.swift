// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterScheduler
import Testing

/// The scenarios of ocluster's `test/test_scheduling.ml`, with the same inputs and expected output.
@Suite struct PoolTests {
    /// Three jobs, two workers.
    @Test func simple() throws {
        var h = Harness("simple")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        h.pool.ensureClient("u1")
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.setActive(w2, true, reason: .worker)
        let w1a = h.pop(w1)
        let w2a = h.pop(w2)
        h.submit("u1", "job1")
        h.submit("u1", "job2")
        h.submit("u1", "job3")
        h.pause()
        #expect(h.state(w1a) == "job1")
        #expect(h.state(w2a) == "job2")
        try h.pool.release(w2)
        #expect(try h.flush(w1) == ["Flush job3"])
    }

    /// Jobs go preferably to workers that have their hint cached.
    @Test func cachedScheduling() throws {
        var h = Harness("cached_scheduling")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.setActive(w2, true, reason: .worker)
        let w1a = h.pop(w1)
        let w2a = h.pop(w2)
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) [worker-2 worker-1]
                registered:
                  worker-1 (0): [] (0 running)
                  worker-2 (0): [] (0 running)
                disconnected:
                clients:
                cached:
                """
        )
        h.pool.ensureClient("u1")
        try h.pool.setRate(client: "u1", 2.0)
        h.submit("u1", "job1", hint: "a")
        h.submit("u1", "job2", hint: "b")
        h.submit("u1", "job3", hint: "a")
        h.submit("u1", "job4", hint: "a")
        h.submit("u1", "job5", hint: "c")
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) [u1:job5@12s u1:job4@11s u1:job3@10s]
                registered:
                  worker-1 (10): [u1:job1@0s(10)] (0 running)
                  worker-2 (10): [u1:job2@5s(10)] (0 running)
                disconnected:
                clients: u1(2)+17s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        h.pause()
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) [u1:job5@12s u1:job4@11s u1:job3@10s]
                registered:
                  worker-1 (0): [] (1 running)
                  worker-2 (0): [] (1 running)
                disconnected:
                clients: u1(2)+17s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        #expect(h.state(w1a) == "job1")
        #expect(h.state(w2a) == "job2")
        // worker-2 asks for more, but jobs 3 and 4 are better done on worker-1.
        h.pool.jobFinished(w2)
        let w2b = h.pop(w2)
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) []
                registered:
                  worker-1 (4): [u1:job4@11s(2) u1:job3@10s(2)] (1 running)
                  worker-2 (0): [] (1 running)
                disconnected:
                clients: u1(2)+17s
                cached: a: [worker-1], b: [worker-2], c: [worker-2]
                """
        )
        #expect(h.state(w2b) == "job5")
        h.pool.jobFinished(w2)
        let w2c = h.pop(w2)
        #expect(h.state(w2c) == "pending")
        // worker-1 leaves; its two queued jobs are placed again.
        try h.pool.release(w1)
        h.pause()
        #expect(
            h.dump() == """
                capacity: 1
                queue: (backlog) [u1:job4@11s]
                registered:
                  worker-2 (0): [] (1 running)
                disconnected:
                  worker-1
                clients: u1(2)+17s
                cached: a: [worker-1; worker-2], b: [worker-2], c: [worker-2]
                """
        )
        #expect(h.state(w2c) == "job3")
        h.pool.jobFinished(w2)
        let w2d = h.pop(w2)
        #expect(h.state(w2d) == "job4")
        h.clock.advance(20)
        try h.pool.release(w2)
        #expect(
            h.dump() == """
                capacity: 0
                queue: (backlog) []
                registered:
                disconnected:
                  worker-1
                  worker-2
                clients: u1(2)
                cached: a: [worker-1; worker-2], b: [worker-2], c: [worker-2]
                """
        )
    }

    /// Affinity stops once the preferred worker has more than an uncached job's worth queued.
    @Test func unbalanced() throws {
        var h = Harness("unbalanced")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.setActive(w2, true, reason: .worker)
        h.pool.ensureClient("u1")
        try h.pool.setRate(client: "u1", 2.0)
        for n in 1...8 { h.submit("u1", "job\(n)", hint: "a") }
        _ = h.pop(w1)
        let w2a = h.pop(w2)
        h.pause()
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) []
                registered:
                  worker-1 (12): [u1:job7@10s(2) u1:job6@9s(2) u1:job5@8s(2) u1:job4@7s(2)
                                  u1:job3@6s(2) u1:job2@5s(2)] (1 running)
                  worker-2 (0): [] (1 running)
                disconnected:
                clients: u1(2)+12s
                cached: a: [worker-1; worker-2]
                """
        )
        #expect(h.state(w2a) == "job8")
        try h.pool.release(w1)
        #expect(
            try h.flush(w2) == [
                "Flush job2", "Flush job3", "Flush job4", "Flush job5", "Flush job6", "Flush job7",
            ]
        )
    }

    /// Jobs wait while there are no workers.
    @Test func noWorkers() throws {
        var h = Harness("no_workers")
        h.pool.ensureClient("u1")
        h.submit("u1", "job1", hint: "a")
        h.submit("u1", "job2", hint: "a")
        let w1 = try h.connect("worker-1")
        let w1a = h.pop(w1)
        try h.pool.release(w1)
        h.pause()
        #expect(h.state(w1a) == "job1")
        #expect(
            h.dump() == """
                capacity: 0
                queue: (backlog) [u1:job2@10s]
                registered:
                disconnected:
                  worker-1
                clients: u1(1)+12s
                cached: a: [worker-1]
                """
        )
        let again = try h.connect("worker-1")
        #expect(try h.flush(again) == ["Flush job2"])
    }

    /// Cache locations survive a scheduler restart (a new pool on the same stored state).
    @Test func persist() throws {
        var first = Harness("persist")
        let w1 = try first.connect("worker-1")
        first.pool.ensureClient("u1")
        first.submit("u1", "job1", hint: "a")
        #expect(first.state(first.pop(w1)) == "job1")
        try first.pool.release(w1)
        first.pause()
        // Restart from what a store would have written.
        #expect(first.store == first.pool.persisted)
        var h = Harness("persist", persisted: first.store)
        h.pool.ensureClient("u1")
        // worker-2 registers first, so it would normally get the next job.
        let w2 = try h.connect("worker-2")
        let w2a = h.pop(w2)
        let w1b = try h.connect("worker-1")
        let w1a = h.pop(w1b)
        h.submit("u1", "job2", hint: "a")
        h.pause()
        #expect(h.state(w1a) == "job2")
        #expect(h.state(w2a) == "pending")
        try h.pool.release(w1b)
        try h.pool.release(w2)
        h.pause()
        #expect(h.state(w2a) == "finished")
    }

    /// Urgent jobs go first.
    @Test func urgent() throws {
        var h = Harness("urgent")
        h.pool.ensureClient("u1")
        h.submit("u1", "job1", hint: "a")
        h.submit("u1", "job2", hint: "a", urgent: true)
        h.submit("u1", "job3", hint: "a", urgent: true)
        h.submit("u1", "job4", hint: "b")
        let w1 = try h.connect("worker-1")
        #expect(h.state(h.pop(w1)) == "job2")
        // worker-2 joins and gets job4, because of the cache hints.
        let w2 = try h.connect("worker-2")
        #expect(h.state(h.pop(w2)) == "job4")
        // worker-1 leaves: jobs 1 and 3 go back, keeping their urgency.
        try h.pool.release(w1)
        #expect(
            h.dump() == """
                capacity: 1
                queue: (backlog) [u1:job1@0s u1:job3@12s+urgent]
                registered:
                  worker-2 (0): [] (1 running)
                disconnected:
                  worker-1
                clients: u1(1)+24s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        // Urgent job5 goes ahead of job1 but behind the earlier urgent job3.
        h.submit("u1", "job5", hint: "b", urgent: true)
        #expect(try h.flush(w2) == ["Flush job3", "Flush job5", "Flush job1"])
    }

    /// Urgent jobs go first on workers' local queues too.
    @Test func urgentWorker() throws {
        var h = Harness("urgent-worker")
        h.pool.ensureClient("u1")
        h.submit("u1", "job1", hint: "a", urgent: true)
        h.submit("u1", "job2", hint: "a")
        h.submit("u1", "job3", hint: "b")
        let w1 = try h.connect("worker-1")
        #expect(h.state(h.pop(w1)) == "job1")
        // worker-2 gets job3 because of the hints, which puts job2 on worker-1's queue.
        let w2 = try h.connect("worker-2")
        #expect(h.state(h.pop(w2)) == "job3")
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) []
                registered:
                  worker-1 (2): [u1:job2@10s(2)] (1 running)
                  worker-2 (0): [] (1 running)
                disconnected:
                clients: u1(1)+22s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        try h.pool.setRate(client: "u1", 2.0)
        h.submit("u1", "job4", hint: "a", urgent: true)
        h.submit("u1", "job5", hint: "b")
        h.submit("u1", "job6", hint: "a", urgent: true)
        #expect(h.state(h.pop(w2)) == "job5")
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) []
                registered:
                  worker-1 (6): [u1:job2@10s(2) u1:job6@24s(2+urgent) u1:job4@22s(2+urgent)] (1 running)
                  worker-2 (0): [] (2 running)
                disconnected:
                clients: u1(2)+25s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        #expect(try h.flush(w1) == ["Flush job4", "Flush job6", "Flush job2"])
    }
}
