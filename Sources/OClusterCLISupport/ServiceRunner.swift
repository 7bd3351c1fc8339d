// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging
import ServiceLifecycle
import UnixSignals

/// Runs an executable's long-lived parts together until SIGTERM or SIGINT asks them to stop gracefully.
public enum ServiceRunner {
    /// Runs `services` in one `ServiceGroup` with graceful shutdown on SIGTERM and SIGINT; returns when they
    /// have all stopped, and throws the first failure (which stops the others).
    public static func run(_ services: [LifecycleService], logLabel: String) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: logLabel)
            )
        )
        try await group.run()
    }
}
