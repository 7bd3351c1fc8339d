// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import NIOCore

/// A connection's event loop as the place its RPC engine and the calls it reads run, and as a
/// task executor for code that makes calls on the connection (see
/// ``NIORPCTransport/onEventLoop(_:)``).
final class EventLoopRPCExecutor: RPCExecutor, TaskExecutor {
    private let loop: any EventLoop
    /// The loop's own executor: NIO runs the jobs it is given as this one, so the actor must
    /// use the very same, not a wrapper. Kept here because the actor holds it unowned, and some
    /// event loops make a new executor object on each `executor` read.
    private let loopExecutor: any SerialExecutor

    init(_ loop: any EventLoop) {
        self.loop = loop
        loopExecutor = loop.executor
    }

    var serialExecutor: UnownedSerialExecutor { loopExecutor.asUnownedSerialExecutor() }

    func execute(_ work: @escaping @Sendable () -> Void) {
        loop.execute(work)
    }

    var isCurrent: Bool { loop.inEventLoop }

    /// Runs a task's nonisolated code on the loop. Queued from the loop's own thread (a reply
    /// resuming its caller), it runs in the same turn's task queue, with no wake-up.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
