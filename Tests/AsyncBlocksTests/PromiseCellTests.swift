// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Synchronization
import Testing

@Suite struct PromiseCellTests {
    @Test func settlesOnceForEveryWaiter() async {
        let promise = PromiseCell<Int>()
        #expect(promise.current == nil)
        let waiters = (0..<3).map { _ in Task { await promise.wait() } }
        #expect(promise.resolve(1))
        #expect(!promise.resolve(2))
        for waiter in waiters { #expect(await waiter.value == 1) }
        #expect(promise.current == 1)
        #expect(await PromiseCell(resolved: 5).wait() == 5)
    }

    /// A cancellable wait gives up on cancel; the promise and its other waiters are not affected.
    @Test func cancellableWaitGivesUp() async {
        let promise = PromiseCell<Int>()
        let patient = Task { await promise.wait() }
        let impatient = Task { await promise.waitUnlessCancelled() }
        impatient.cancel()
        #expect(await impatient.value == nil)
        promise.resolve(7)
        #expect(await patient.value == 7)
        #expect(await promise.waitUnlessCancelled() == 7)
    }

    /// A callback runs once, when the promise is resolved; none is kept once it is; a removed one never runs.
    @Test func callbacksRunOnceOnResolve() throws {
        let promise = PromiseCell<Int>()
        let runs = Mutex(0)
        let kept = try #require(promise.onResolve { runs.withLock { $0 += 1 } })
        let removed = try #require(promise.onResolve { runs.withLock { $0 += 100 } })
        #expect(kept != removed)
        #expect(promise.waiterCount == 2)
        #expect(promise.removeCallback(removed))
        #expect(!promise.removeCallback(removed))
        #expect(runs.withLock { $0 } == 0)
        promise.resolve(1)
        promise.resolve(2)
        #expect(runs.withLock { $0 } == 1)
        #expect(promise.waiterCount == 0)
        #expect(promise.onResolve { runs.withLock { $0 += 1 } } == nil)
        #expect(runs.withLock { $0 } == 1)
    }

    /// A task cancelled before it waits gets nil at once, unless the value is there.
    @Test func alreadyCancelled() async {
        let promise = PromiseCell<Int>()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await promise.waitUnlessCancelled()
        }
        #expect(await task.value == nil)
        promise.resolve(3)
        let settled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await promise.waitUnlessCancelled()
        }
        #expect(await settled.value == 3)
    }
}
