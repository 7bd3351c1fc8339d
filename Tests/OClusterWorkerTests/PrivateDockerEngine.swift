// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import ProcessRunner
import TestSupport
import Testing

@testable import OBuilder
@testable import OClusterWorker

/// A dockerd of a test's own (vfs, no networking, everything under a temporary directory),
/// started by `scripts/start-dockerd.sh DIR` and stopped by ``stop()``. For tests that change
/// the whole engine, such as `docker system prune -af`, which would delete the shared test
/// engine's `local/busybox` from under concurrently running tests.
struct PrivateDockerEngine {
    let directory: TemporaryDirectory
    /// Points docker commands at this engine.
    let environment: [String: String]

    /// Starts the engine, with `local/busybox:latest` imported.
    ///
    /// - Parameter ownNetwork: run the daemon in a network namespace of its own, for tests
    ///   that make it change networking (swarm mode).
    /// - Throws: ``WorkerErrorCode/docker`` with the script's output when it cannot start.
    static func start(ownNetwork: Bool = false) async throws -> PrivateDockerEngine {
        let directory = try TemporaryDirectory("ocluster-dockerd")
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/start-dockerd.sh").path
        // A DOCKER_HOST inside DIR makes the script start a daemon rather than reuse one.
        let environment = ["DOCKER_HOST": "unix://\(directory.path)/docker.sock"]
        let log = LogData()
        let status = try await ChildProcess.run(
            Command(
                label: "start-dockerd",
                [script, directory.path],
                environment: environment.merging(["OCLUSTER_DOCKERD_NETNS": ownNetwork ? "1" : "0"]) { $1 }
            ),
            log: log,
            cancel: nil
        )
        let engine = PrivateDockerEngine(directory: directory, environment: environment)
        guard status == .exited(0) else {
            await engine.stop()
            throw WorkerError(.docker, "cannot start a private Docker engine (\(status)):\n\(log.text)")
        }
        return engine
    }

    /// The daemon's process id (from its pid file).
    var pid: Int32? {
        let text = (try? String(contentsOfFile: directory.path + "/dockerd.pid", encoding: .utf8)) ?? ""
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0 > 1 ? $0 : nil }
    }

    /// Runs `docker ARGS…` against this engine and returns its trimmed output.
    @discardableResult
    func docker(_ arguments: [String]) async throws -> String {
        try await shell(["docker"] + arguments, environment: environment)
    }

    /// A configuration for building offline against this engine.
    func configuration(executable: String = "docker") -> DockerConfiguration {
        DockerConfiguration(executable: executable, environment: environment, pull: false, network: "none")
    }

    /// The number of images (all, including intermediate ones) and build cache records.
    func counts() async throws -> (images: Int, buildCache: Int) {
        let images = try await docker(["images", "-aq"]).split(separator: "\n").count
        let table = try await docker(["system", "df", "--format", "{{.Type}}={{.TotalCount}}"])
        let cache = table.split(separator: "\n").first { $0.hasPrefix("Build Cache=") }
        return (images, cache.flatMap { Int($0.dropFirst("Build Cache=".count)) } ?? -1)
    }

    /// Stops the daemon (SIGTERM, then SIGKILL after 20 s), unmounts what it left and removes
    /// its directory.
    func stop() async {
        if let pid {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(20)
            while kill(pid, 0) == 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        // dockerd bind-mounts its data root onto itself; mountinfo has normalised paths.
        for mountPoint in OverlayMount.mounts(under: directory.path.replacingOccurrences(of: "//", with: "/")) {
            OverlayMount.unmount(mountPoint)
        }
        directory.remove()
    }
}
