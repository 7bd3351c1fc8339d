// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks

/// When to retry a lost connection: exponential backoff with jitter, reset after a session
/// that stayed up long enough to count as healthy.
///
/// A pure state machine (no clock, no randomness of its own) so it can be tested exactly; the
/// worker's connection loop drives it.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The backoff parameters.
    public struct Configuration: Sendable, Hashable {
        /// The delay after the first failure.
        public var initialDelay: Duration
        /// The delay never grows beyond this.
        public var maximumDelay: Duration
        /// Each consecutive failure multiplies the delay by this.
        public var multiplier: Double
        /// The delay is spread by up to this fraction either way (0.1 = ±10 %), so many
        /// clients that lost the same server do not all return at once.
        public var jitter: Double
        /// A session up at least this long resets the backoff to ``initialDelay``.
        public var healthyAfter: Duration

        /// Creates a configuration; the defaults retry after 1 s, 2 s, 4 s, … up to 60 s.
        public init(
            initialDelay: Duration = .seconds(1),
            maximumDelay: Duration = .seconds(60),
            multiplier: Double = 2,
            jitter: Double = 0.1,
            healthyAfter: Duration = .seconds(30)
        ) {
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
            self.multiplier = max(multiplier, 1)
            self.jitter = min(max(jitter, 0), 1)
            self.healthyAfter = healthyAfter
        }
    }

    /// The parameters in use.
    public let configuration: Configuration
    /// Consecutive failures since the last healthy session.
    public private(set) var failures = 0

    /// Starts with no failures.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Records that an attempt failed or a session ended, and returns how long to wait before
    /// the next attempt.
    ///
    /// - Parameters:
    ///   - uptime: how long the attempt or session lasted; at least
    ///     ``Configuration/healthyAfter`` first resets the backoff.
    ///   - randomFraction: a number in `0..<1` choosing the jitter (0.5 means none).
    /// - Returns: the delay, between zero and ``Configuration/maximumDelay`` (plus jitter).
    public mutating func failed(uptime: Duration, randomFraction: Double) -> Duration {
        if uptime >= configuration.healthyAfter { failures = 0 }
        let initial = configuration.initialDelay.seconds
        let maximum = configuration.maximumDelay.seconds
        // Stop multiplying once past the cap, so the exponent never overflows.
        var base = initial
        var step = 0
        while step < failures, base < maximum {
            base *= configuration.multiplier
            step += 1
        }
        base = min(base, maximum)
        failures += 1
        let spread = configuration.jitter * (2 * min(max(randomFraction, 0), 1) - 1)
        return .seconds(max(base * (1 + spread), 0))
    }

    /// Records a healthy connection, so the next failure waits only the initial delay.
    public mutating func reset() {
        failures = 0
    }
}
