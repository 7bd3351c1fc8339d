// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterScheduler
import Testing

extension PoolTests {
    /// Two clients with equal rates interleave.
    @Test func fairness() throws {
        var h = Harness("fairness")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        h.pool.ensureClient("alice")
        h.pool.ensureClient("bob")
        try h.pool.setRate(client: "alice", 2.0)
        try h.pool.setRate(client: "bob", 2.0)
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.setActive(w2, true, reason: .worker)
        let w1a = h.pop(w1)
        let w2a = h.pop(w2)
        for job in ["a1", "a2", "a3"] { h.submit("alice", job) }
        for job in ["b1", "b2", "b3"] { h.submit("bob", job) }
        h.pause()
        #expect(h.state(w1a) == "a1")
        #expect(h.state(w2a) == "a2")
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) [bob:b3@10s alice:a3@10s bob:b2@5s bob:b1@0s]
                registered:
                  worker-1 (0): [] (1 running)
                  worker-2 (0): [] (1 running)
                disconnected:
                clients: alice(2)+15s bob(2)+15s
                cached: : [worker-1; worker-2]
                """
        )
        try h.pool.release(w2)
        #expect(try h.flush(w1) == ["Flush b1", "Flush b2", "Flush a3", "Flush b3"])
    }

    /// Two clients with different rates share the cluster in proportion.
    @Test func fairnessRates() throws {
        var h = Harness("fairness_rates")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        h.pool.ensureClient("alice")
        h.pool.ensureClient("bob")
        try h.pool.setRate(client: "alice", 5.0)
        try h.pool.setRate(client: "bob", 1.0)
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.setActive(w2, true, reason: .worker)
        let w1a = h.pop(w1)
        let w2a = h.pop(w2)
        for job in ["a1", "a2", "a3"] { h.submit("alice", job) }
        for job in ["b1", "b2", "b3"] { h.submit("bob", job) }
        h.pause()
        #expect(h.state(w1a) == "a1")
        #expect(h.state(w2a) == "a2")
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) [bob:b3@20s bob:b2@10s alice:a3@4s bob:b1@0s]
                registered:
                  worker-1 (0): [] (1 running)
                  worker-2 (0): [] (1 running)
                disconnected:
                clients: alice(5)+6s bob(1)+30s
                cached: : [worker-1; worker-2]
                """
        )
        try h.pool.release(w2)
        #expect(try h.flush(w1) == ["Flush b1", "Flush a3", "Flush b2", "Flush b3"])
    }
}
