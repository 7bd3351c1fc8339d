// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterScheduler
import Testing

extension PoolTests {
    /// Workers can be paused and resumed; a paused worker's queue goes to another worker.
    @Test func inactive() throws {
        var h = Harness("inactive")
        let w1 = try h.connect("worker-1")
        let w1a = h.pop(w1)
        h.pool.ensureClient("u1")
        h.submit("u1", "job1", hint: "a")
        h.submit("u1", "job2", hint: "a")
        let w2 = try h.connect("worker-2")
        let w2a = h.pop(w2)
        h.pause()
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) [worker-2]
                registered:
                  worker-1 (2): [u1:job2@10s(2)] (1 running)
                  worker-2 (0): [] (0 running)
                disconnected:
                clients: u1(1)+12s
                cached: a: [worker-1]
                """
        )
        try h.pool.setActive(w1, false, reason: .worker)
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) []
                registered:
                  worker-1 (0): (inactive: worker pause) (1 running)
                  worker-2 (10): [u1:job2@10s(10)] (0 running)
                disconnected:
                clients: u1(1)+12s
                cached: a: [worker-1; worker-2]
                """
        )
        h.pause()
        #expect(h.state(w1a) == "job1")
        #expect(h.state(w2a) == "job2")
        try h.pool.setRate(client: "u1", 2.0)
        h.submit("u1", "job3", hint: "a")
        try h.pool.setActive(w2, false, reason: .worker)
        #expect(
            h.dump() == """
                capacity: 2
                queue: (backlog) [u1:job3@12s]
                registered:
                  worker-1 (0): (inactive: worker pause) (1 running)
                  worker-2 (0): (inactive: worker pause) (1 running)
                disconnected:
                clients: u1(2)+13s
                cached: a: [worker-1; worker-2]
                """
        )
        try h.pool.setActive(w2, true, reason: .worker)
        try h.pool.release(w1)
        #expect(try h.flush(w2) == ["Flush job3"])
    }

    /// Jobs can be cancelled while on a worker's local queue.
    @Test func cancelWorkerQueue() throws {
        var h = Harness("cancel_worker_queue")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.setActive(w2, true, reason: .worker)
        let w1a = h.pop(w1)
        let w2a = h.pop(w2)
        h.pool.ensureClient("u1")
        try h.pool.setRate(client: "u1", 2.0)
        h.submit("u1", "job1", hint: "a")
        h.pause()
        let j2 = h.submit("u1", "job2", hint: "a")
        let j3 = h.submit("u1", "job3", hint: "a")
        let j4 = h.submit("u1", "job4", hint: "b")
        #expect(throws: Never.self) { try h.pool.cancel(j4) }
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) []
                registered:
                  worker-1 (4): [u1:job3@6s(2) u1:job2@5s(2)] (1 running)
                  worker-2 (0): [] (0 running)
                disconnected:
                clients: u1(2)+12s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        #expect(throws: Never.self) { try h.pool.cancel(j2) }
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) []
                registered:
                  worker-1 (2): [u1:job3@6s(2)] (1 running)
                  worker-2 (0): [] (0 running)
                disconnected:
                clients: u1(2)+12s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        try h.pool.release(w2)
        try h.pool.setActive(w1, false, reason: .worker)
        #expect(
            h.dump() == """
                capacity: 1
                queue: (backlog) [u1:job3@6s]
                registered:
                  worker-1 (0): (inactive: worker pause) (1 running)
                disconnected:
                  worker-2
                clients: u1(2)+12s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        #expect(throws: Never.self) { try h.pool.cancel(j3) }
        try h.pool.release(w1)
        #expect(
            h.dump() == """
                capacity: 0
                queue: (backlog) []
                registered:
                disconnected:
                  worker-1
                  worker-2
                clients: u1(2)+12s
                cached: a: [worker-1], b: [worker-2]
                """
        )
        #expect(h.state(w1a) == "job1")
        // ocluster's Lwt promise stays pending; here the disconnect has been reported but not yet delivered.
        #expect(h.state(w2a) == "pending")
        h.pause()
        #expect(h.state(w2a) == "finished")
    }

    /// A worker marked inactive pushes its queue back onto the backlog.
    @Test func pushBack() throws {
        var h = Harness("push_back")
        let w1 = try h.register("worker-1")
        let w2 = try h.register("worker-2")
        try h.pool.setActive(w1, true, reason: .worker)
        _ = h.pop(w1)
        let w2a = h.pop(w2)
        h.pool.ensureClient("u1")
        try h.pool.setRate(client: "u1", 2.0)
        h.submit("u1", "job1", hint: "a")
        h.pause()
        h.submit("u1", "job2", hint: "a")
        h.submit("u1", "job3", hint: "a")
        try h.pool.setActive(w2, true, reason: .worker)
        h.pause()
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) [worker-2]
                registered:
                  worker-1 (4): [u1:job3@6s(2) u1:job2@5s(2)] (1 running)
                  worker-2 (0): [] (0 running)
                disconnected:
                clients: u1(2)+7s
                cached: a: [worker-1]
                """
        )
        try h.pool.release(w2)
        try h.pool.setActive(w1, false, reason: .worker)
        #expect(
            h.dump() == """
                capacity: 1
                queue: (backlog) [u1:job3@6s u1:job2@5s]
                registered:
                  worker-1 (0): (inactive: worker pause) (1 running)
                disconnected:
                  worker-2
                clients: u1(2)+7s
                cached: a: [worker-1]
                """
        )
        h.pause()
        #expect(h.state(w2a) == "finished")
        try h.pool.setActive(w1, true, reason: .worker)
        #expect(try h.flush(w1) == ["Flush job2", "Flush job3"])
    }

    /// The set of inactive reasons is tracked and printed (ocluster's second `inactive` test).
    @Test func inactiveReasons() throws {
        var h = Harness("simple")
        let w1 = try h.register("worker-1")
        func expectState(_ state: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let dump = h.dump()
            #expect(
                dump == """
                    capacity: 1
                    queue: (backlog) []
                    registered:
                      worker-1 (0): \(state) (0 running)
                    disconnected:
                    clients:
                    cached:
                    """,
                sourceLocation: sourceLocation
            )
        }
        expectState("(inactive: worker pause)")
        try h.pool.setActive(w1, false, reason: .adminPause)
        expectState("(inactive: worker pause, admin pause)")
        try h.pool.setActive(w1, true, reason: .worker)
        expectState("(inactive: admin pause)")
        try h.pool.setActive(w1, true, reason: .adminPause)
        expectState("[]")
        try h.pool.shutdown(w1)
        expectState("(inactive: shutting down)")
    }

    /// An admin pause survives reconnection; a shutdown and a worker unpause do not.
    @Test func persistPause() throws {
        var h = Harness("simple")
        func expectState(_ state: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let dump = h.dump()
            #expect(
                dump == """
                    capacity: 1
                    queue: (backlog) []
                    registered:
                      worker-1 (0): \(state) (0 running)
                    disconnected:
                    clients:
                    cached:
                    """,
                sourceLocation: sourceLocation
            )
        }
        var w1 = try h.register("worker-1")
        try h.pool.setActive(w1, false, reason: .adminPause)
        try h.pool.shutdown(w1)
        expectState("(inactive: worker pause, admin pause, shutting down)")
        try h.pool.setActive(w1, true, reason: .worker)
        try h.pool.release(w1)
        w1 = try h.register("worker-1")
        expectState("(inactive: worker pause, admin pause)")
        try h.pool.setActive(w1, true, reason: .adminPause)
        try h.pool.release(w1)
        w1 = try h.register("worker-1")
        try h.pool.setActive(w1, true, reason: .worker)
        expectState("[]")
        try h.pool.release(w1)
    }

    /// Only disconnected, known workers can be forgotten.
    @Test func forget() throws {
        var h = Harness("simple")
        let w1 = try h.register("worker-1")
        #expect(forgetResult(&h.pool, "worker-1") == "still connected")
        try h.pool.release(w1)
        #expect(forgetResult(&h.pool, "worker-1") == "ok")
        #expect(forgetResult(&h.pool, "worker-1") == "unknown worker")
        #expect(
            h.dump() == """
                capacity: 0
                queue: (backlog) []
                registered:
                disconnected:
                clients:
                cached:
                """
        )
    }

    private func forgetResult(_ pool: inout TestPool, _ name: String) -> String {
        do {
            try pool.forgetWorker(name)
            return "ok"
        } catch {
            switch error.code {
            case .stillConnected: return "still connected"
            case .unknownWorker: return "unknown worker"
            default: return error.message
            }
        }
    }
}
