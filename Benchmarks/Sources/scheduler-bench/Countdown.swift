// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import Synchronization

/// Waits until `count` things are done.
final class Countdown: Sendable {
    private let left: Mutex<Int>
    private let reached = PromiseCell<Void>()

    init(_ count: Int) {
        left = Mutex(count)
        if count <= 0 { reached.resolve(()) }
    }

    func done() {
        let zero = left.withLock { left in
            left -= 1
            return left == 0
        }
        if zero { reached.resolve(()) }
    }

    func wait() async { await reached.wait() }
}
