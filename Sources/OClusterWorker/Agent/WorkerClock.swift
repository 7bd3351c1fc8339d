// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The time the agent's own waits run on: the reconnect delay and the uptime it depends on, the
/// self-update grace period, the prune and health-check retry delays and the health-check
/// period. Durations it only measures (job and prune times for metrics) stay on the system clock.
/// ``ContinuousWorkerClock`` in production; tests substitute a clock they advance by hand.
public protocol WorkerClock: Sendable {
    /// The time since a fixed origin of this clock.
    var now: Duration { get }

    /// Returns once `duration` has passed on this clock.
    ///
    /// - Throws: `CancellationError` if the calling task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// A ``WorkerClock`` on the system's monotonic clock (`ContinuousClock`).
public struct ContinuousWorkerClock: WorkerClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: Duration { origin.duration(to: .now) }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
