// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// The scheduler's clock: wall-clock seconds, as ocluster's `Unix.gettimeofday`.
struct WallClock: PoolClock {
    func now() -> Double { Date().timeIntervalSince1970 }
}
