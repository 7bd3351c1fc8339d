// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterScheduler
import Synchronization
import Testing

/// The job type of ocluster's scheduling tests: a name, a hint, and costs of 2 (cached) / 10 (not).
struct TestJob: PoolItem {
    let job: String
    let cacheHint: String
    var costEstimate: PoolCost { PoolCost(cached: 2, nonCached: 10) }
    var dumpLabel: String { job }
}

/// A clock that only moves when told to; starts at 1.0 like ocluster's fake clock.
final class ManualClock: PoolClock {
    private let time = Mutex<Double>(1.0)

    func now() -> Double { time.withLock { $0 } }

    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

typealias TestPool = Pool<TestJob, ManualClock>

/// A worker's `pop` as the tests see it: answered at once, or pending until a later `pause()`.
struct PopHandle {
    var immediate: PopOutcome<TestJob>?
    var request: PopRequestID?
}

/// Drives a pool the way ocluster's expect tests drive theirs.
struct Harness {
    let clock = ManualClock()
    var pool: TestPool
    var answers: [PopRequestID: PopOutcome<TestJob>] = [:]
    /// Every durable change drained so far, replayed onto the state the pool started from.
    var store: PoolPersistedState

    init(_ name: String, persisted: PoolPersistedState = PoolPersistedState()) {
        pool = TestPool(name: name, clock: clock, persisted: persisted)
        store = persisted
    }

    mutating func register(_ name: String, capacity: Int = 1) throws -> WorkerID {
        try pool.register(name: name, capacity: capacity)
    }

    /// Register and activate, as the RPC layer does on connection.
    mutating func connect(_ name: String) throws -> WorkerID {
        let id = try register(name)
        try pool.setActive(id, true, reason: .worker)
        return id
    }

    mutating func pop(_ worker: WorkerID) -> PopHandle {
        switch pool.pop(worker) {
        case .done(let outcome): return PopHandle(immediate: outcome)
        case .pending(let request): return PopHandle(request: request)
        }
    }

    /// Lets woken pops run (ocluster's `Lwt.pause ()`).
    mutating func pause() {
        for completion in pool.runWakeups() { answers[completion.request] = completion.outcome }
        for change in pool.drainChanges() { store.apply(change) }
    }

    /// "job3", "finished" or "pending", like ocluster's `job_state`.
    func state(_ handle: PopHandle) -> String {
        let outcome = handle.immediate ?? handle.request.flatMap { answers[$0] }
        switch outcome {
        case .job(let job): return job.item.job
        case .finished: return "finished"
        case nil: return "pending"
        }
    }

    @discardableResult
    mutating func submit(_ client: String, _ job: String, hint: String = "", urgent: Bool = false) -> TicketID {
        pool.submit(client: client, item: TestJob(job: job, cacheHint: hint), urgent: urgent)
    }

    /// Pops until a pop would block, then disconnects the worker (ocluster's `flush_queue`).
    mutating func flush(_ worker: WorkerID) throws -> [String] {
        var lines: [String] = []
        while true {
            let handle = pop(worker)
            pause()
            let result = state(handle)
            if result == "pending" {
                try pool.release(worker)
                pause()
                return lines
            }
            lines.append("Flush \(result)")
        }
    }

    /// The pool dump with trailing blanks removed from each line (as expect tests compare it).
    mutating func dump() -> String {
        for change in pool.drainChanges() { store.apply(change) }
        return Harness.trimmed(pool.dump())
    }

    static func trimmed(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.reversed().drop(while: { $0 == " " }).reversed())
        }
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
