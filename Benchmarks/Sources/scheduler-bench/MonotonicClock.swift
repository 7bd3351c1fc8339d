// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// Nanoseconds on `CLOCK_MONOTONIC`, which on Linux is one clock for every process of the
/// machine: a client stamps a job with it when it submits, and the worker that takes the job
/// subtracts that from its own reading.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
