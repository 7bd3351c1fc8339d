// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Synchronization
import Testing

@Suite struct ChangeSignalTests {
    /// A change made between reading the version and waiting is not missed: the wait returns at once.
    @Test func changeBeforeTheWaitIsNotMissed() async {
        let signal = ChangeSignal()
        let seen = signal.version
        signal.notify()
        await signal.wait(after: seen)
        #expect(signal.version == seen + 1)
    }

    /// Waiters wake on the next change, and a cancelled waiter returns without one.
    @Test func wakesWaitersAndCancelled() async {
        let signal = ChangeSignal()
        let value = Shared(0)
        let waiter = Task {
            while true {
                let seen = signal.version
                if value.state.withLock({ $0 }) == 2 { return true }
                await signal.wait(after: seen)
            }
        }
        for next in 1...2 {
            value.state.withLock { $0 = next }
            signal.notify()
        }
        #expect(await waiter.value)

        let cancelled = Task { await signal.wait(after: signal.version) }
        cancelled.cancel()
        await cancelled.value
        #expect(signal.version == 2)
    }
}
