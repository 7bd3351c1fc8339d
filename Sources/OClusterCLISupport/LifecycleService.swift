// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ServiceLifecycle

/// A `Service` from two closures: `run` until done, and `shutdown` to make it return on graceful shutdown
/// (SIGTERM/SIGINT in a `ServiceGroup`).
public struct LifecycleService: Service {
    let body: @Sendable () async throws -> Void
    let stop: @Sendable () async -> Void

    /// - Parameters:
    ///   - run: serves until stopped.
    ///   - shutdown: asks `run` to return.
    public init(run: @escaping @Sendable () async throws -> Void, shutdown: @escaping @Sendable () async -> Void) {
        self.body = run
        self.stop = shutdown
    }

    /// Runs `run`; on graceful shutdown calls `shutdown`.
    public func run() async throws {
        let stop = stop
        try await withGracefulShutdownHandler {
            try await body()
        } onGracefulShutdown: {
            Task { await stop() }
        }
    }
}
