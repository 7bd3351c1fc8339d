// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterScheduler
import Testing

/// Behaviour beyond ocluster's expect tests: errors, rates, cancellation, disconnection, durable changes.
extension PoolTests {
    @Test func duplicateWorkerNameIsRefused() throws {
        var h = Harness("dup")
        let w1 = try h.connect("worker-1")
        expectCodedError(PoolError(.nameTaken, "Worker already registered!")) {
            try h.pool.register(name: "worker-1", capacity: 4)
        }
        #expect(h.pool.capacity == 1)
        #expect(h.pool.worker(named: "worker-1") == w1)
        try h.pool.release(w1)
        let again = try h.connect("worker-1")
        #expect(again != w1)
        #expect(h.pool.isActive(again))
        // The old session can no longer act on the name.
        #expect(h.state(h.pop(w1)) == "finished")
        expectCodedError(PoolError(.queueClosed, "Queue already closed!")) {
            try h.pool.setActive(w1, true, reason: .worker)
        }
        expectCodedError(PoolError(.queueClosed, "Queue already closed!")) { try h.pool.release(w1) }
        #expect(h.pool.worker(named: "worker-1") == again)
    }

    @Test func badInputIsAnErrorNotATrap() throws {
        var h = Harness("errors")
        expectCodedError(PoolError(.invalidCapacity, "Capacity must not be negative")) {
            try h.pool.register(name: "w", capacity: -1)
        }
        let w = try h.register("w")
        expectCodedError(PoolError(.invalidReason, "No inactive reason given")) {
            try h.pool.setActive(w, true, reason: [])
        }
        for bad in [0, -1, Double.nan, Double.infinity] {
            expectCodedError(PoolError(.invalidRate, "Rate must be a positive number")) {
                try h.pool.setRate(client: "u1", bad)
            }
        }
        #expect(h.pool.rate(client: "u1") == 1)
    }

    /// Cache-hint records may wait for a batched write; the pool counts the changes that may not, as they come
    /// and as written ones are dropped.
    @Test func promptChangesAreCounted() throws {
        var h = Harness("prompt")
        func prompt(_ changes: [PoolChange]) -> Int {
            changes.count(where: { if case .markCached = $0 { false } else { true } })
        }
        let worker = try h.connect("worker-1")
        #expect(h.pool.promptChanges == prompt(h.pool.changes))
        #expect(h.pool.changes.contains(.addWorker(name: "worker-1")))
        _ = h.pool.drainChanges()
        #expect(h.pool.promptChanges == 0)
        h.submit("u1", "j1", hint: "a")
        _ = h.pop(worker)
        #expect(h.pool.changes.contains(.markCached(hint: "a", worker: "worker-1")))
        #expect(h.pool.promptChanges == 0)
        try h.pool.setRate(client: "u1", 2)
        #expect(h.pool.promptChanges == 1)
        h.pool.jobFinished(worker)
        h.submit("u1", "j2", hint: "b")
        _ = h.pop(worker)
        #expect(h.pool.changes.contains(.markCached(hint: "b", worker: "worker-1")))
        #expect(h.pool.promptChanges == 1)
        // Dropping written changes recounts what is left.
        while !h.pool.changes.isEmpty {
            h.pool.dropChanges(1)
            #expect(h.pool.promptChanges == prompt(h.pool.changes))
        }
        try h.pool.setRate(client: "u2", 3)
        #expect(h.pool.promptChanges == 1)
        #expect(h.pool.drainChanges() == [.setRate(client: "u2", rate: 3)])
        #expect(h.pool.promptChanges == 0)
    }

    /// Start times are spaced cost/rate apart; removing a client resets its rate and its clock.
    @Test func ratesAndClientRemoval() throws {
        var h = Harness("rates")
        try h.pool.setRate(client: "u1", 4)
        #expect(h.pool.rate(client: "u1") == 4)
        #expect(h.pool.drainChanges() == [.setRate(client: "u1", rate: 4)])
        for job in ["j1", "j2", "j3"] { h.submit("u1", job) }
        // 10/4 = 2.5 s apart; %.0f rounds half to even, as C does.
        #expect(
            h.dump() == """
                capacity: 0
                queue: (backlog) [u1:j3@5s u1:j2@2s u1:j1@0s]
                registered:
                disconnected:
                clients: u1(4)+8s
                cached:
                """
        )
        h.pool.removeClient("u1")
        #expect(h.pool.drainChanges() == [.removeRate(client: "u1")])
        #expect(h.pool.rate(client: "u1") == 1)
        h.submit("u1", "j4")
        #expect(
            h.dump() == """
                capacity: 0
                queue: (backlog) [u1:j3@5s u1:j2@2s u1:j4@0s u1:j1@0s]
                registered:
                disconnected:
                clients: u1(1)+10s
                cached:
                """
        )
    }

    @Test func cancellation() throws {
        var h = Harness("cancel")
        h.pool.ensureClient("u1")
        let t1 = h.submit("u1", "x1", hint: "a")
        #expect(h.pool.isQueued(t1))
        try h.pool.cancel(t1)
        #expect(!h.pool.isQueued(t1))
        expectCodedError(PoolError(.notQueued, "Job is no longer queued")) { try h.pool.cancel(t1) }
        // The cancelled job no longer counts as pending, so the next one with its hint is costed uncached.
        h.submit("u1", "x2", hint: "a")
        #expect(h.dump().contains("clients: u1(1)+20s"))
        let w = try h.connect("worker-1")
        let t3 = h.submit("u1", "x3", hint: "a")
        #expect(h.state(h.pop(w)) == "x2")
        #expect(h.state(h.pop(w)) == "x3")
        expectCodedError(PoolError(.notQueued, "Job is no longer queued")) { try h.pool.cancel(t3) }
        let metrics = h.pool.metrics
        #expect(metrics.jobsSubmitted == 3)
        #expect(metrics.jobsCancelled == 1)
        #expect(metrics.jobsAccepted == 2)
    }

    /// A held job is never given to a worker, however idle; once released it runs in the place it was given
    /// when held, ahead of jobs submitted later. A held job can be cancelled, and released only once.
    @Test func heldJobsWaitForTheirRelease() throws {
        var h = Harness("held")
        h.pool.ensureClient("u1")
        let held = h.pool.submit(client: "u1", item: TestJob(job: "restored", cacheHint: ""), held: true)
        let dropped = h.pool.submit(client: "u1", item: TestJob(job: "dropped", cacheHint: ""), held: true)
        #expect(h.pool.isHeld(held) && h.pool.isQueued(held))
        let w = try h.connect("worker-1")
        let first = h.pop(w)
        h.pause()
        #expect(h.state(first) == "pending")
        h.clock.advance(100)
        h.submit("u1", "later")
        h.pause()
        #expect(h.state(first) == "later")
        h.submit("u1", "latest")
        let released = h.pool.releaseHeld(held)
        let again = h.pool.releaseHeld(held)
        #expect(released && !again)
        #expect(!h.pool.isHeld(held))
        // The held job was given its fair start time when it was held: it goes ahead of "latest".
        #expect(h.state(h.pop(w)) == "restored")
        #expect(h.state(h.pop(w)) == "latest")
        try h.pool.cancel(dropped)
        let releasedCancelled = h.pool.releaseHeld(dropped)
        #expect(!releasedCancelled)
        let idle = h.pop(w)
        h.pause()
        #expect(h.state(idle) == "pending")
        #expect(h.pool.metrics.jobsCancelled == 1)
    }

    /// A disconnecting worker's queued jobs go back to the pool; a reconnection is a new registration.
    @Test func disconnectReturnsQueuedJobs() throws {
        var h = Harness("disconnect")
        let w1 = try h.connect("worker-1")
        h.pool.ensureClient("u1")
        h.submit("u1", "j1", hint: "a")
        #expect(h.state(h.pop(w1)) == "j1")
        h.submit("u1", "j2", hint: "a")
        h.submit("u1", "j3", hint: "a")
        let w2 = try h.connect("worker-2")
        let w2a = h.pop(w2)
        #expect(
            h.dump() == """
                capacity: 2
                queue: (ready) [worker-2]
                registered:
                  worker-1 (4): [u1:j3@12s(2) u1:j2@10s(2)] (1 running)
                  worker-2 (0): [] (0 running)
                disconnected:
                clients: u1(1)+14s
                cached: a: [worker-1]
                """
        )
        // worker-1 takes j2 from its own queue at once.
        #expect(h.state(h.pop(w1)) == "j2")
        try h.pool.release(w1)
        #expect(
            h.dump() == """
                capacity: 1
                queue: (ready) []
                registered:
                  worker-2 (10): [u1:j3@12s(10)] (0 running)
                disconnected:
                  worker-1
                clients: u1(1)+14s
                cached: a: [worker-1; worker-2]
                """
        )
        h.pause()
        #expect(h.state(w2a) == "j3")
        // Jobs that were running on the disconnected worker still finish (or fail) later.
        #expect(h.pool.runningJobs(w1) == 2)
        h.pool.jobFinished(w1)
        h.pool.jobFinished(w1)
        #expect(h.pool.runningJobs(w1) == 0)
    }

    /// Between equally loaded workers with the hint, the last name in byte order wins (as in ocluster).
    @Test func affinityTieGoesToLastName() throws {
        var h = Harness("tie")
        h.pool.ensureClient("u1")
        let b = try h.connect("b")
        let a = try h.connect("a")
        h.submit("u1", "j0", hint: "h")
        #expect(h.state(h.pop(a)) == "j0")
        // With "a" paused, "b" builds the same hint, so both have it cached.
        try h.pool.setActive(a, false, reason: .worker)
        h.submit("u1", "j1", hint: "h")
        #expect(h.state(h.pop(b)) == "j1")
        try h.pool.setActive(a, true, reason: .worker)
        h.pool.jobFinished(a)
        h.pool.jobFinished(b)
        let aPending = h.pop(a)
        h.submit("u1", "j2", hint: "h")
        // Both have an empty queue: "b" is preferred although "a" is the idle one.
        #expect(h.dump().contains("  b (2): [u1:j2@12s(2)] (0 running)"))
        #expect(h.state(h.pop(b)) == "j2")
        h.pause()
        #expect(h.state(aPending) == "pending")
    }

    /// A pending pop is answered with `.finished` when its worker disconnects, and inactive workers'
    /// pops wait for reactivation.
    @Test func pendingPopsFollowWorkerState() throws {
        var h = Harness("pops")
        let w = try h.register("w")
        let waiting = h.pop(w)
        #expect(h.state(waiting) == "pending")
        h.submit("u1", "j1")
        h.pause()
        #expect(h.state(waiting) == "pending")
        try h.pool.setActive(w, true, reason: .worker)
        #expect(h.pool.hasWakeups)
        h.pause()
        #expect(h.state(waiting) == "j1")
        let idle = h.pop(w)
        try h.pool.setActive(w, false, reason: .adminPause)
        h.pause()
        #expect(h.state(idle) == "pending")
        try h.pool.release(w)
        h.pause()
        #expect(h.state(idle) == "finished")
    }

    /// Admin pause of a disconnected worker makes it known and paused for its next connection.
    @Test func adminPauseOfDisconnectedWorker() throws {
        var h = Harness("admin")
        try h.pool.setAdminPaused(workerNamed: "worker-9", true)
        #expect(h.pool.knownWorkers() == [PoolWorkerInfo(name: "worker-9", active: false, connected: false)])
        #expect(h.pool.capacity == 0)
        #expect(h.pool.worker(named: "worker-9") == nil)
        #expect(h.pool.drainChanges() == [.addWorker(name: "worker-9"), .setPaused(worker: "worker-9", paused: true)])
        #expect(h.dump().contains("disconnected:\n  worker-9 (paused)\n"))
        let w = try h.connect("worker-9")
        #expect(h.pool.inactiveReasons(w) == .adminPause)
        #expect(h.pool.knownWorkers() == [PoolWorkerInfo(name: "worker-9", active: false, connected: true)])
        try h.pool.setAdminPaused(workerNamed: "worker-9", false)
        #expect(h.pool.isActive(w))
        #expect(h.pool.worker(named: "worker-9") == w)
        #expect(h.pool.drainChanges() == [.addWorker(name: "worker-9"), .setPaused(worker: "worker-9", paused: false)])
    }

    /// Replaying the drained changes onto the initial state gives the pool's durable state.
    @Test func changesReplayToTheSameState() throws {
        var h = Harness("replay")
        let w1 = try h.connect("w1")
        let w2 = try h.connect("w2")
        try h.pool.setRate(client: "c", 3)
        for (n, hint) in ["a", "b", "", "a"].enumerated() { h.submit("c", "j\(n)", hint: hint) }
        _ = h.pop(w1)
        _ = h.pop(w2)
        try h.pool.setActive(w2, false, reason: .adminPause)
        try h.pool.release(w1)
        try h.pool.forgetWorker("w1")
        h.pause()
        #expect(h.store == h.pool.persisted)
        #expect(h.pool.persisted.workers == ["w2": true])
        #expect(h.pool.persisted.rates == ["c": 3])
        #expect(h.pool.persisted.cachedWorkers["a"] == ["w1"])
    }

    @Test func metricsSnapshot() throws {
        var h = Harness("metrics")
        let w1 = try h.connect("w1")
        _ = try h.register("w2", capacity: 3)
        h.submit("u1", "j1", urgent: true)
        h.submit("u1", "j2")
        let metrics = h.pool.metrics
        #expect(metrics.workersConnected == 2)
        #expect(metrics.workersCapacity == 4)
        #expect(metrics.workersPaused == 1)
        #expect(metrics.workersReady == 0)
        #expect(metrics.queueLengths.first { $0.queue == "incoming" && $0.urgent }?.count == 1)
        #expect(metrics.queueLengths.first { $0.queue == "incoming" && !$0.urgent }?.count == 1)
        _ = h.pop(w1)
        _ = h.pop(w1)
        _ = h.pop(w1)
        #expect(h.pool.metrics.workersReady == 1)
        #expect(h.pool.metrics.jobsAccepted == 2)
    }

    /// `show` is the exact text ocluster returns, trailing blanks and final newline included.
    @Test func showIsExact() throws {
        var h = Harness("show")
        #expect(h.pool.show() == "capacity: 0\nqueue: (backlog) []\nregistered:\ndisconnected:\nclients: \n")
        _ = try h.connect("w")
        h.pool.ensureClient("c")
        #expect(
            h.pool.show()
                == "capacity: 1\nqueue: (backlog) []\nregistered:\n  w (0): [] (0 running)\ndisconnected:\nclients: c(1)\n"
        )
    }

    /// Long queues wrap where OCaml's Format wraps them.
    @Test func longReadyListWraps() throws {
        var h = Harness("wrap")
        for n in 1...12 {
            let name = n < 10 ? "worker-0\(n)" : "worker-\(n)"
            let id = try h.connect(name)
            _ = h.pop(id)
        }
        let lines = h.dump().split(separator: "\n")
        #expect(lines[1] == "queue: (ready) [worker-12 worker-11 worker-10 worker-09 worker-08 worker-07")
        #expect(lines[2] == "       worker-06 worker-05 worker-04 worker-03 worker-02 worker-01]")
    }
}
