// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// Runs each test of a suite on a thread of its own, for tests that must block (the browser's
/// DevTools pipe is read with `poll`; `ClusterHarness` itself waits asynchronously).
///
/// A blocking test left on the
/// cooperative pool, which has one thread per core, two of them at once stop every async test in the same
/// `swift test` process on a two-core machine: the stalled tests then hit their time limits. With a task
/// executor preference the test body, and every nonisolated async function it calls, runs on the test's
/// own thread instead.
struct OwnThread: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        guard !test.isSuite else { return try await function() }
        let executor = ThreadExecutor(name: test.name)
        defer { executor.stop() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == OwnThread {
    /// Each test on a thread of its own (see ``OwnThread``).
    static var ownThread: Self { OwnThread() }
}

/// A task executor that runs its jobs, in order, on one thread until stopped.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // Unchecked: `jobs` and `stopped` are only touched under `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Ends the thread once the jobs queued so far have run; later jobs go to the global executor.
    func stop() {
        condition.withLock {
            stopped = true
            condition.signal()
        }
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
