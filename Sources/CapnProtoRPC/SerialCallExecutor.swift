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
/// The queue is made on the first call: many local capabilities are handed out and never called
/// (a scheduler holds one per queued job's ticket), and a dispatch queue costs a few hundred bytes.
///
/// Every capability's queue targets one shared serial queue, so the nonisolated parts of server
/// methods run one at a time, as on C++'s event loop (actors they await still run in parallel).
/// A queue of its own per capability woke a thread for each call; a thread already draining the
/// shared queue runs the next capability's job at once, and the scheduler's assignments per second
/// nearly doubled (5 800 to 10 000 in `ocluster-scheduler bench`). A method must therefore not block
/// its thread: slow work goes to an actor, a subprocess or `await`.
final class SerialCallExecutor: TaskExecutor, Sendable {
    private let queue = Mutex<DispatchQueue?>(nil)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let queue = queue.withLock { queue in
            if let queue { return queue }
            let made = DispatchQueue(label: "capnp.rpc.local-capability", target: SharedCallQueue.queue)
            queue = made
            return made
        }
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// The queue every capability's call queue targets.
enum SharedCallQueue {
    static let queue = DispatchQueue(label: "capnp.rpc.calls")
}
