// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Foundation
import OClusterAPI
import OClusterWorker
import Synchronization
import TestSupport
import Testing

/// The worker's `--prune-threshold` path: the free-space measurement is injected so that a test
/// can make the disk look full, and everything else is real.
@Suite("Docker prune", .serialized)
struct DockerPruneTests {
    @Test("Short of space, the worker pauses, prunes a real engine's dangling images and build cache, then resumes")
    func prunesARealEngine() async throws {
        let engine = try await PrivateDockerEngine.start()
        let context = try TemporaryDirectory()
        defer { context.remove() }
        do {
            try await pruneScenario(engine, context: context.path)
            await engine.stop()
        } catch {
            await engine.stop()
            throw error
        }
    }

    private func pruneScenario(_ engine: PrivateDockerEngine, context: String) async throws {
        // An untagged image from the legacy builder, and BuildKit cache records from the Debian client.
        let dangling = try await DockerBuilder(configuration: engine.configuration()).build(
            JobSpec.Docker(dockerfile: .contents("FROM local/busybox:latest\nRUN echo dangling > /d.txt\n")),
            context: context,
            secrets: [],
            log: LogData(),
            cancel: CancelSwitch()
        )
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/docker") else {
            Issue.record("/usr/bin/docker (docker.io's client) is needed for BuildKit")
            return
        }
        _ = try await DockerBuilder(configuration: engine.configuration(executable: "/usr/bin/docker")).build(
            JobSpec.Docker(
                dockerfile: .contents("FROM local/busybox:latest\nRUN echo cached > /c.txt\n"),
                buildkit: true
            ),
            context: context,
            secrets: [],
            log: LogData(),
            cancel: CancelSwitch()
        )
        let before = try await engine.counts()
        #expect(before.images >= 3 && before.buildCache > 0, "\(before)")

        // The disk is "full" for as long as the dangling image is there.
        let measured = Mutex<[String]>([])
        let environment = engine.environment
        let pruner = try DockerPruner(policy: .freePercentBelow(10), configuration: engine.configuration()) {
            root in
            measured.withLock { $0.append(root) }
            let present = (try? await shell(["docker", "image", "inspect", dangling], environment: environment)) != nil
            return present ? (blocks: 5, files: 80) : (blocks: 60, files: 80)
        }
        let harness = try AgentTests.Harness(
            builder: ScriptedBuilder(immediate: .output("after prune")),
            pruner: pruner
        )
        let job = await harness.scheduler.submit(AgentTests.dockerJob())
        #expect(try await job.result().results.output == "after prune")
        #expect(harness.scheduler.state.withLock { $0.active } == [false, true])
        let after = try await engine.counts()
        #expect(after.images == 0 && after.buildCache == 0, "\(after)")
        let roots = measured.withLock { $0 }
        #expect(roots.count >= 2)
        #expect(roots.allSatisfy { $0 == engine.directory.path + "/data" }, "docker info's DockerRootDir: \(roots)")
        #expect(harness.agent.metrics.render().contains("ocluster_worker_docker_prune_time_seconds_count 1\n"))
        try await harness.stop()
    }

    @Test(
        "When space stays low after a prune, or the prune fails, the worker waits, checks again and resumes",
        arguments: [
            // The prune succeeds, but the second check still finds the disk full.
            (
                pruneStatus: 0, lowChecks: 2,
                commands: ["info", "system prune -af", "builder prune -af", "info", "info"]
            ),
            // The prune fails; by the next check space has come back.
            (pruneStatus: 1, lowChecks: 1, commands: ["info", "system prune -af", "info"]),
        ]
    )
    func retries(pruneStatus: Int, lowChecks: Int, commands: [String]) async throws {
        // A fake docker client that records its arguments.
        let bin = try TemporaryDirectory()
        defer { bin.remove() }
        let docker = try await bin.writeExecutable(
            "docker",
            """
            #!/bin/sh
            echo "$1 $2 $3" | sed 's/ -f .*//; s/ *$//' >> \(bin.path)/calls
            case "$1" in
            info) echo /var/lib/docker ;;
            *) exit \(pruneStatus) ;;
            esac

            """
        )
        let checks = Mutex<[String]>([])
        let pruner = try DockerPruner(
            policy: .freePercentBelow(10),
            configuration: DockerConfiguration(executable: docker)
        ) { root in
            let count = checks.withLock {
                $0.append(root)
                return $0.count
            }
            return count <= lowChecks ? (blocks: 5, files: 80) : (blocks: 60, files: 80)
        }
        let harness = try AgentTests.Harness(builder: ScriptedBuilder(immediate: .output("ran")), pruner: pruner)
        let job = await harness.scheduler.submit(AgentTests.dockerJob())
        #expect(try await job.result().results.output == "ran")
        #expect(harness.scheduler.state.withLock { $0.active } == [false, true], "paused once, resumed once")
        let calls = (try? String(contentsOfFile: bin.path + "/calls", encoding: .utf8)) ?? ""
        #expect(Array(calls.split(separator: "\n").map(String.init).prefix(commands.count)) == commands)
        #expect(checks.withLock { $0.prefix(lowChecks + 1).allSatisfy { $0 == "/var/lib/docker" } })
        let prunes = pruneStatus == 0 ? 1 : 0
        #expect(harness.agent.metrics.render().contains("ocluster_worker_docker_prune_time_seconds_count \(prunes)\n"))
        try await harness.stop()
    }
}
