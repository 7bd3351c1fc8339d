// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Dispatch

/// Nanoseconds on Dispatch's uptime clock, `CLOCK_MONOTONIC` on Linux, which is one clock for
/// every process of the machine: a client stamps a job with it when it submits, and the worker
/// that takes the job subtracts that from its own reading.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
