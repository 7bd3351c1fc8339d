// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Wall-clock time in seconds, injected so that tests can control it.
///
/// Fair-queueing start times are absolute values of this clock, so it should not jump backwards.
public protocol PoolClock: Sendable {
    /// The current time in seconds.
    func now() -> Double
}
