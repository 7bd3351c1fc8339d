// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Synchronization
import Testing

@Suite struct AsyncLockTests {
    /// Holders that suspend inside the lock never overlap.
    @Test func holdersDoNotOverlap() async {
        let lock = AsyncLock()
        let inside = Shared((now: 0, most: 0))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await lock.withLock {
                        inside.state.withLock {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                        }
                        await Task.yield()
                        inside.state.withLock { $0.now -= 1 }
                    }
                }
            }
        }
        #expect(inside.state.withLock { $0.most } == 1)
        #expect(inside.state.withLock { $0.now } == 0)
    }

    /// A throwing body releases the lock.
    @Test func releasedOnThrow() async throws {
        struct Failure: Error {}
        let lock = AsyncLock()
        await #expect(throws: Failure.self) {
            try await lock.withLock { throw Failure() }
        }
        #expect(await lock.withLock { 1 } == 1)
    }
}

/// A value under a lock that tasks share.
final class Shared<Value: Sendable>: Sendable {
    let state: Mutex<Value>

    init(_ value: Value) { state = Mutex(value) }
}
