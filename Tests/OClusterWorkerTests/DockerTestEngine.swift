// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterWorker
import ProcessRunner
import Testing

/// The Docker engine the tests build with: `scripts/start-dockerd.sh` starts a private dockerd
/// (vfs, no networking) if none answers and imports `local/busybox:latest`. Started once per
/// test process; if it cannot be started, every Docker test fails with the script's output.
enum DockerTestEngine {
    private static let started = Task<[String: String], any Error> {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/start-dockerd.sh").path
        let log = LogData()
        let status = try await ChildProcess.run(Command(label: "start-dockerd", [script]), log: log, cancel: nil)
        guard status == .exited(0),
            let line = log.text.split(separator: "\n").last(where: { $0.hasPrefix("DOCKER_HOST=") })
        else {
            throw WorkerError(.docker, "cannot start a Docker engine for the tests (\(status)):\n\(log.text)")
        }
        return ["DOCKER_HOST": String(line.dropFirst("DOCKER_HOST=".count))]
    }

    /// The environment that points docker commands at the test engine.
    static func environment() async throws -> [String: String] { try await started.value }

    /// A configuration for building offline against the test engine.
    static func configuration(
        executable: String = "docker",
        network: String? = nil,
        allowPush: Set<String> = []
    ) async throws -> DockerConfiguration {
        DockerConfiguration(
            executable: executable,
            environment: try await environment(),
            pull: false,
            network: network,
            allowPush: allowPush,
            pushRetries: 1,
            pushRetryDelay: { _ in .milliseconds(10) }
        )
    }

    /// Runs `docker ARGS…` against the test engine and returns its trimmed output.
    @discardableResult
    static func docker(_ arguments: [String]) async throws -> String {
        try await shell(["docker"] + arguments, environment: try await environment())
    }
}
