// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An ``RPCExecutor`` whose work runs only when its owner thread calls ``runUntilIdle()``.
///
/// The RPC fuzzer drives a connection with it: the engine, the calls it starts on local servers and
/// the resumptions of their awaits all run on the fuzzer's own thread, in a deterministic order,
/// without a thread hop per input. Work may be queued from any thread (a task on the global pool
/// resuming on the connection); it runs at the owner's next ``runUntilIdle()``.
public final class ManualRPCExecutor: RPCExecutor, SerialExecutor, TaskExecutor {
    private enum Work: Sendable {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private let queue = Mutex<[Work]>([])
    private let owner: pthread_t

    /// An executor owned by the calling thread.
    public init() {
        owner = pthread_self()
    }

    public var serialExecutor: UnownedSerialExecutor { asUnownedSerialExecutor() }

    public var isCurrent: Bool { pthread_equal(pthread_self(), owner) != 0 }

    public func execute(_ work: @escaping @Sendable () -> Void) {
        queue.withLock { $0.append(.closure(work)) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.append(.job(job)) }
    }

    public func checkIsolated() {
        precondition(isCurrent, "not on the manual executor's owner thread")
    }

    /// Whether nothing is queued.
    public var isIdle: Bool { queue.withLock { $0.isEmpty } }

    /// Runs queued work, and the work it queues, until none is left. Returns how many items ran.
    @discardableResult
    public func runUntilIdle() -> Int {
        precondition(isCurrent, "runUntilIdle must be called on the owner thread")
        var count = 0
        while true {
            let batch = queue.withLock { queue in
                defer { queue = [] }
                return queue
            }
            if batch.isEmpty { return count }
            for work in batch {
                count += 1
                switch work {
                case .job(let job):
                    job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                case .closure(let body):
                    body()
                }
            }
        }
    }
}
