// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Dispatch
import Synchronization

/// Runs the calls made on one local capability one job at a time, in the order they were
/// started.
///
/// Cap'n Proto promises E-order: calls made on a capability are delivered in the order they
/// were made. The C++ implementation runs each call until it first waits, then the next. Tasks
/// on Swift's global executor give no such order (two can run at once on two threads), so
/// every call on a local capability runs as a task preferring this executor: its first job
/// is queued when the call arrives, so calls start in arrival order and each runs until it
/// first suspends before the next starts. Calls that suspend (awaiting another call, a
/// timer, an actor) still overlap, as in C++.
///
/// Where the jobs run: while the capability is idle, a job goes to the thread of the connection
/// that last read a call for it (its event loop; see ``prefer(_:)``), so a call, its reply and
/// the write happen without a thread switch, as in C++, and a call resuming after awaiting an
/// actor goes straight back there too. A capability no connection has called (local callers
/// only) uses one shared serial queue, so the nonisolated parts of server methods do not run on
/// many threads at once. While a job runs, later jobs of the same capability wait in a list and
/// the thread running it takes them in turn. A method must therefore not block its thread: slow
/// work goes to an actor, a subprocess or `await`.
///
/// Cheap when unused: a scheduler holds one capability per queued job's ticket and most are never
/// called, so the waiting list is made only when two jobs meet.
final class SerialCallExecutor: TaskExecutor, Sendable {
    private struct State: ~Copyable {
        var running = false
        /// Weak: once its connection is gone, jobs go back to the shared queue (its event loop
        /// may be shut down by then, and would drop them).
        weak var home: (any RPCExecutor)?
        var waiting: WaitingJobs?
    }

    private let state = Mutex(State())

    /// Makes `home` where jobs that find the capability idle run: the connection that read a call
    /// is about to start it.
    func prefer(_ home: any RPCExecutor) {
        state.withLock { $0.home = home }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let start: (any RPCExecutor)?? = state.withLock { state in
            if state.running {
                if state.waiting == nil { state.waiting = WaitingJobs() }
                state.waiting?.append(job)
                return nil
            }
            state.running = true
            return .some(state.home)
        }
        guard let start else { return }
        if let home = start {
            home.execute { self.run(first: job) }
        } else {
            SharedCallQueue.queue.async { self.run(first: job) }
        }
    }

    /// Runs `first`, then whatever queued up behind it, until the capability is idle.
    private func run(first: UnownedJob) {
        let executor = asUnownedTaskExecutor()
        var job = first
        while true {
            job.runSynchronously(on: executor)
            let next: UnownedJob? = state.withLock { state in
                if let taken = state.waiting?.take() { return taken }
                state.running = false
                return nil
            }
            guard let next else { return }
            job = next
        }
    }
}

/// Jobs waiting for a busy capability, first in first out.
private final class WaitingJobs: @unchecked Sendable {
    // Sendable: only touched under SerialCallExecutor's lock.
    private var jobs: [UnownedJob] = []
    private var head = 0

    func append(_ job: UnownedJob) { jobs.append(job) }

    func take() -> UnownedJob? {
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}

/// The queue every capability's jobs run on when no connection's thread is preferred.
enum SharedCallQueue {
    static let queue = DispatchQueue(label: "capnp.rpc.calls")
}
