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
final class SerialCallExecutor: TaskExecutor, Sendable {
    private let queue = Mutex<DispatchQueue?>(nil)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let queue = queue.withLock { queue in
            if let queue { return queue }
            let made = DispatchQueue(label: "capnp.rpc.local-capability")
            queue = made
            return made
        }
        queue.async { job.runSynchronously(on: executor) }
    }
}
