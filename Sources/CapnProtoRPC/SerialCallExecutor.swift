// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Dispatch

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
final class SerialCallExecutor: TaskExecutor, @unchecked Sendable {
    // Sendable: the only state is a serial queue, which is thread safe.
    private let queue = DispatchQueue(label: "capnp.rpc.local-capability")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
