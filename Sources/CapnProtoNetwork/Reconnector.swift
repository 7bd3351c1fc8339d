// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging

/// Keeps a long-lived client connected: runs a session, and when it fails waits (see
/// ``ReconnectBackoff``) and runs it again, logging one line per failure.
///
/// This is what ocluster workers do with the scheduler's sturdy ref: connect, register, serve
/// jobs until the connection drops, then reconnect.
///
/// ```swift
/// let reconnector = Reconnector(name: "scheduler", clock: ContinuousClock(), logger: logger)
/// try await reconnector.run {
///     try await network.connect(to: schedulerRef) { transport, serviceID in
///         try await serveWorker(transport, serviceID)  // throws when the connection is lost
///     }
/// }
/// ```
public struct Reconnector<C: Clock>: Sendable where C.Duration == Duration {
    /// What is being connected to, for log lines.
    public let name: String
    /// The backoff parameters.
    public let configuration: ReconnectBackoff.Configuration
    /// The clock used to measure sessions and to wait.
    public let clock: C
    let logger: Logger

    /// Creates a reconnector.
    public init(
        name: String,
        configuration: ReconnectBackoff.Configuration = .init(),
        clock: C,
        logger: Logger
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Runs `session` until it returns normally, retrying whenever it throws.
    ///
    /// - Parameter session: connects and serves; it should throw when the connection is lost
    ///   or cannot be made, and return when the client is done for good.
    /// - Throws: `CancellationError` when the task is cancelled (between or during attempts).
    public func run(_ session: () async throws -> Void) async throws {
        var backoff = ReconnectBackoff(configuration: configuration)
        while true {
            try Task.checkCancellation()
            let started = clock.now
            do {
                try await session()
                return
            } catch {
                try Task.checkCancellation()
                let uptime = started.duration(to: clock.now)
                let delay = backoff.failed(uptime: uptime, randomFraction: .random(in: 0..<1))
                logger.warning(
                    "Connection to \(name) failed (attempt \(backoff.failures)): \(error); retrying in \(Self.format(delay))"
                )
                try await clock.sleep(for: delay)
            }
        }
    }

    private static func format(_ delay: Duration) -> String {
        let tenths = (delay.seconds * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)s"
    }
}
