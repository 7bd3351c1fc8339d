// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import OClusterAPI
import OClusterWorker
import TestSupport
import Testing

/// `--self-update docker-service` up to the docker CLI: a fake `docker` records its command
/// lines and answers `image inspect` with canned RepoDigests.
@Suite("Self-update through docker service")
struct SelfUpdateTests {
    /// A fake docker client in a temporary directory; `calls` lists its command lines.
    struct FakeDocker {
        let directory: TemporaryDirectory
        var path: String { directory.path + "/docker" }

        /// - Parameters:
        ///   - repoDigests: what `docker image inspect` prints.
        ///   - pullStatus: the exit status of `docker pull`.
        init(repoDigests: String, pullStatus: Int = 0) async throws {
            directory = try TemporaryDirectory()
            _ = try await directory.writeExecutable(
                "docker",
                """
                #!/bin/sh
                echo "$*" >> \(directory.path)/calls
                case "$1" in
                pull) exit \(pullStatus) ;;
                image) echo "\(repoDigests)" ;;
                esac

                """
            )
        }

        var calls: [String] {
            let text = (try? String(contentsOfFile: directory.path + "/calls", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init)
        }
    }

    /// ocluster's image and service, passed explicitly (our defaults differ, see `defaults()`).
    static let image = "ocurrent/ocluster-worker:live"
    static let inspect =
        "image inspect -f {{ range index .RepoDigests }}{{ . }} {{ end }} -- ocurrent/ocluster-worker:live"

    @Test("By default the update pulls our image and moves the service ocluster-worker, not ocluster's")
    func defaults() async throws {
        #expect(SelfUpdate.defaultImage == "swift-ocluster/ocluster-worker:live")
        #expect(SelfUpdate.defaultService == "ocluster-worker")
        let docker = try await FakeDocker(repoDigests: "swift-ocluster/ocluster-worker@sha256:abcd")
        defer { docker.directory.remove() }
        let finish = try await SelfUpdate.dockerService(docker: DockerConfiguration(executable: docker.path)).prepare()
        try await finish()
        #expect(
            docker.calls == [
                "pull swift-ocluster/ocluster-worker:live",
                "image inspect -f {{ range index .RepoDigests }}{{ . }} {{ end }} -- swift-ocluster/ocluster-worker:live",
                "service update --detach --image swift-ocluster/ocluster-worker@sha256:abcd ocluster-worker",
            ]
        )
    }

    @Test(
        "Pulls and finds the new digest at once; updates the service only when finishing (ocluster's commands, with --detach)"
    )
    func commandLines() async throws {
        let docker = try await FakeDocker(
            repoDigests: "other/image@sha256:0000 ocurrent/ocluster-worker@sha256:1234 "
        )
        defer { docker.directory.remove() }
        let update = SelfUpdate.dockerService(
            image: Self.image,
            service: "builder_agent",
            docker: DockerConfiguration(executable: docker.path)
        )
        let finish = try await update.prepare()
        #expect(docker.calls == ["pull ocurrent/ocluster-worker:live", Self.inspect])
        try await finish()
        #expect(
            docker.calls.last == "service update --detach --image ocurrent/ocluster-worker@sha256:1234 builder_agent"
        )
        #expect(docker.calls.count == 3)
    }

    @Test("No RepoDigest for the repository: the request fails and no service update runs")
    func noDigest() async throws {
        let docker = try await FakeDocker(repoDigests: "other/image@sha256:0000 ")
        defer { docker.directory.remove() }
        let update = SelfUpdate.dockerService(
            image: Self.image,
            service: "builder_agent",
            docker: DockerConfiguration(executable: docker.path)
        )
        let error = await #expect(throws: WorkerError.self) { try await update.prepare() }
        #expect(error?.code == .docker)
        #expect(error?.message == "No new image starts with \"ocurrent/ocluster-worker@\"!")
        #expect(docker.calls == ["pull ocurrent/ocluster-worker:live", Self.inspect])
    }

    @Test("A failed pull fails the request before anything else runs")
    func failedPull() async throws {
        let docker = try await FakeDocker(repoDigests: "", pullStatus: 1)
        defer { docker.directory.remove() }
        let update = SelfUpdate.dockerService(
            image: Self.image,
            service: "builder_agent",
            docker: DockerConfiguration(executable: docker.path)
        )
        await #expect(throws: WorkerError(.commandFailed, "")) { try await update.prepare() }
        #expect(docker.calls == ["pull ocurrent/ocluster-worker:live"])
    }

    @Test("Through the agent: Worker.selfUpdate pulls, the agent stops taking jobs, updates the service and exits")
    func throughTheAgent() async throws {
        let docker = try await FakeDocker(repoDigests: "ocurrent/ocluster-worker@sha256:5678")
        defer { docker.directory.remove() }
        let harness = try AgentTests.Harness(
            builder: ScriptedBuilder(immediate: .output("")),
            selfUpdate: .dockerService(
                image: Self.image,
                service: "builder_agent",
                docker: DockerConfiguration(executable: docker.path)
            )
        )
        let job = await harness.scheduler.submit(AgentTests.dockerJob())
        _ = try await job.result()
        let worker = try #require(harness.scheduler.lastWorker)
        let update = Task { try await worker.selfUpdate() }
        #expect(try await harness.running.value == .selfUpdate)
        #expect(
            docker.calls == [
                "pull ocurrent/ocluster-worker:live", Self.inspect,
                "service update --detach --image ocurrent/ocluster-worker@sha256:5678 builder_agent",
            ]
        )
        await #expect(throws: RPCError.self) { try await update.value }
        harness.state.remove()
    }

    @Test("Through the agent: a failed pull is returned to the admin and the worker keeps running")
    func failedUpdateKeepsRunning() async throws {
        let docker = try await FakeDocker(repoDigests: "", pullStatus: 1)
        defer { docker.directory.remove() }
        let harness = try AgentTests.Harness(
            builder: ScriptedBuilder(immediate: .output("still here")),
            selfUpdate: .dockerService(
                image: Self.image,
                service: "builder_agent",
                docker: DockerConfiguration(executable: docker.path)
            )
        )
        _ = try await harness.scheduler.submit(AgentTests.dockerJob()).result()
        let worker = try #require(harness.scheduler.lastWorker)
        let error = await #expect(throws: RPCError.self) { try await worker.selfUpdate() }
        #expect(error?.reason.contains("docker-pull failed with exit-code 1") == true, "\(String(describing: error))")
        let job = await harness.scheduler.submit(AgentTests.dockerJob())
        #expect(try await job.result().results.output == "still here")
        try await harness.stop()
    }
}
