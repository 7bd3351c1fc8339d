// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterAPI
import OClusterWorker
import TestSupport
import Testing

/// Builds against a real engine (see ``DockerTestEngine``). These fail, not skip, when no
/// engine can be started: CI must install docker.io and busybox-static and run as root.
@Suite("Docker builds on a real engine", .serialized)
struct DockerEngineTests {
    /// Checks a commit out of a fresh repository and builds it.
    private func buildFromGit(
        _ files: [String: String],
        job: JobSpec.Docker,
        configuration: DockerConfiguration,
        secrets: [JobSpec.Secret] = [],
        log: LogData = LogData(),
        cancel: CancelSwitch = CancelSwitch()
    ) async throws -> String {
        let repo = try await GitTestRepository()
        let state = try TemporaryDirectory()
        defer {
            repo.remove()
            state.remove()
        }
        let commit = try await repo.commit(files)
        let context = try GitContext(stateDirectory: state.path, allowedSchemes: ["file"])
        let builder = DockerBuilder(configuration: configuration)
        return try await context.withContext(.init(repository: repo.url, commits: [commit]), log: log, cancel: cancel) {
            directory in
            try await builder.build(job, context: directory, secrets: secrets, log: log, cancel: cancel)
        }
    }

    @Test("A Dockerfile from a git commit builds; the log streams and the image id comes back")
    func buildFromCommit() async throws {
        let configuration = try await DockerTestEngine.configuration()
        let log = LogData()
        let dockerfile = """
            FROM local/busybox:latest
            LABEL nonce=\(UUID().uuidString)
            ARG GREETING=unset
            COPY hello.txt /hello.txt
            RUN cat /hello.txt && echo "greeting=$GREETING"
            """
        let imageID = try await buildFromGit(
            ["docker/Dockerfile": dockerfile, "hello.txt": "hello from git\n"],
            job: JobSpec.Docker(dockerfile: .path("docker/Dockerfile"), buildArgs: ["GREETING=hi"]),
            configuration: configuration,
            log: log
        )
        #expect(imageID.hasPrefix("sha256:"))
        #expect(log.text.contains("hello from git\n"))
        #expect(log.text.contains("greeting=hi"))
        #expect(log.text.hasSuffix("Built image \(imageID)\n"))
        let output = try await DockerTestEngine.docker(
            ["run", "--rm", "--pull=never", "--network=none", imageID, "cat", "/hello.txt"]
        )
        #expect(output == "hello from git")
        try await DockerTestEngine.docker(["rmi", imageID])
    }

    @Test("An inline Dockerfile is written into the context")
    func inlineDockerfile() async throws {
        let configuration = try await DockerTestEngine.configuration()
        let log = LogData()
        let imageID = try await buildFromGit(
            ["data.txt": "inline\n"],
            job: JobSpec.Docker(
                dockerfile: .contents(
                    "FROM local/busybox:latest\nLABEL nonce=\(UUID().uuidString)\nCOPY data.txt /\nRUN cat /data.txt\n"
                )
            ),
            configuration: configuration,
            log: log
        )
        #expect(imageID.hasPrefix("sha256:"))
        #expect(log.text.contains("inline\n"))
        try await DockerTestEngine.docker(["rmi", imageID])
    }

    @Test("A failing step fails the build with its exit code, and its output is in the log")
    func failingStep() async throws {
        let configuration = try await DockerTestEngine.configuration()
        let log = LogData()
        let error = await #expect(throws: WorkerError(.commandFailed, "")) {
            try await buildFromGit(
                ["x": "x"],
                job: JobSpec.Docker(
                    dockerfile: .contents(
                        "FROM local/busybox:latest\nLABEL nonce=\(UUID().uuidString)\nRUN echo about-to-fail && exit 3\n"
                    )
                ),
                configuration: configuration,
                log: log
            )
        }
        // The legacy builder exits 1; newer clients pass the step's status (3) on.
        #expect(error?.message.hasPrefix("docker-build failed with exit-code ") == true)
        #expect(log.text.contains("about-to-fail"))
    }

    @Test("Cancelling kills the build promptly")
    func cancel() async throws {
        let configuration = try await DockerTestEngine.configuration()
        let log = LogData()
        let cancel = CancelSwitch()
        let watcher = Task {
            _ = await eventually { log.text.contains("\nsleeping-now\n") }
            cancel.turnOff()
        }
        let started = ContinuousClock.now
        await #expect(throws: WorkerError(.cancelled, "")) {
            try await buildFromGit(
                ["x": "x"],
                job: JobSpec.Docker(
                    dockerfile: .contents(
                        "FROM local/busybox:latest\nLABEL nonce=\(UUID().uuidString)\nRUN echo sleeping-now && sleep 60\n"
                    )
                ),
                configuration: configuration,
                log: log,
                cancel: cancel
            )
        }
        #expect(started.duration(to: .now) < .seconds(40))
        watcher.cancel()
    }

    @Test("BuildKit with a secret (the Debian client, which has BuildKit built in)")
    func buildkitSecret() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/docker") else {
            Issue.record("/usr/bin/docker (docker.io's client) is needed for BuildKit")
            return
        }
        let configuration = try await DockerTestEngine.configuration(executable: "/usr/bin/docker", network: "none")
        let log = LogData()
        let imageID = try await buildFromGit(
            ["x": "x"],
            job: JobSpec.Docker(
                dockerfile: .contents(
                    "FROM local/busybox:latest\nRUN --mount=type=secret,id=token wc -c /run/secrets/token # \(UUID().uuidString)\n"
                ),
                buildkit: true
            ),
            configuration: configuration,
            secrets: [.init(id: "token", value: "s3cret")],
            log: log
        )
        #expect(imageID.hasPrefix("sha256:"))
        #expect(log.text.contains("6 /run/secrets/token"), "the secret was mounted")
        #expect(!log.text.contains("s3cret"), "the secret is not echoed")
        try await DockerTestEngine.docker(["rmi", imageID])
    }

    @Test("Disk checks read the engine's root directory and df sizes")
    func diskChecks() async throws {
        let configuration = try await DockerTestEngine.configuration()
        #expect(await (try DockerPruner(policy: .freePercentBelow(100), configuration: configuration)).isSpaceLow())
        #expect(await !(try DockerPruner(policy: .freePercentBelow(0), configuration: configuration)).isSpaceLow())
        #expect(
            await (try DockerPruner(policy: .imagesLargerThan(gigabytes: 0), configuration: configuration)).isSpaceLow()
        )
        #expect(
            await !(try DockerPruner(policy: .imagesLargerThan(gigabytes: 1e6), configuration: configuration))
                .isSpaceLow()
        )
    }
}
