// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

/// `ocluster-client submit-docker` as users run it: the real client, scheduler and worker
/// processes, the worker building with a real (private) dockerd. Fails, not skips, where no
/// dockerd can be started (it needs root and docker.io; see `scripts/start-dockerd.sh`).
@Suite(.serialized) struct DockerEndToEndTests {
    /// `DOCKER_HOST` of the engine `scripts/start-dockerd.sh` starts (or finds), which has
    /// `local/busybox:latest`. `OCLUSTER_DOCKERD_DIR` picks its directory.
    static func dockerHost() async throws -> String {
        let result = try await ClusterHarness.run(
            "/bin/sh",
            [ClusterHarness.root.appendingPathComponent("scripts/start-dockerd.sh").path]
        )
        guard result.status == 0,
            let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("DOCKER_HOST=") })
        else {
            throw ClusterHarness.Failure(description: "cannot start a Docker engine:\n\(result.output)")
        }
        return String(line.dropFirst("DOCKER_HOST=".count))
    }

    @Test func submitDockerBuildsTheSentDockerfile() async throws {
        let dockerHost = try await Self.dockerHost()
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker(
            "worker-1",
            extraArguments: ["--no-docker-pull", "--docker-build-network=none"],
            environment: ["DOCKER_HOST": dockerHost]
        )
        try await cluster.waitForWorker("worker-1")
        // A nonce, so that the engine's build cache cannot skip the RUN step.
        let nonce = UUID().uuidString
        let dockerfile = cluster.path("Dockerfile")
        // The shell's arithmetic makes the lines the step prints differ from the step's own text,
        // which docker shows too.
        try "FROM local/busybox:latest\nRUN echo one-$((1+1))-\(nonce) && echo two-$((2+1))-\(nonce)\n"
            .write(toFile: dockerfile, atomically: true, encoding: .utf8)
        let client = try ClusterHarness.executable("ocluster-client").path
        let arguments = [
            "submit-docker", "-c", cluster.path("secrets/submit-tester.cap"), "--pool", cluster.pool,
            "--local-dockerfile", dockerfile,
        ]
        let result = try await ClusterHarness.run(client, arguments, separateStandardError: true)
        #expect(result.status == 0, "stdout:\n\(result.output)\nstderr:\n\(result.standardError)")
        #expect(result.standardError == "Connecting to tcp:127.0.0.1:\(cluster.port)... OK\n")
        #expect(result.output.hasPrefix("Tailing log:\nBuilding on worker-1\n"), "\(result.output)")
        let one = try #require(result.output.range(of: "one-2-\(nonce)\n"))
        let two = try #require(result.output.range(of: "two-3-\(nonce)\n"))
        #expect(one.lowerBound < two.lowerBound)
        #expect(result.output.hasSuffix("Job succeeded\n"), "\(result.output)")

        // A failing step: the log says why, the client prints ocluster's failure line and exits 1.
        try "FROM local/busybox:latest\nRUN echo failing-\(nonce) && exit 3\n"
            .write(toFile: dockerfile, atomically: true, encoding: .utf8)
        let failed = try await ClusterHarness.run(client, arguments, separateStandardError: true)
        #expect(failed.status == 1, "stdout:\n\(failed.output)\nstderr:\n\(failed.standardError)")
        #expect(failed.output.contains("\nfailing-\(nonce)\n"))
        #expect(
            failed.output.hasSuffix("\ndocker-build failed with exit-code 3\nFailed: Build failed.\n"),
            "\(failed.output)"
        )
        #expect(failed.standardError == "Connecting to tcp:127.0.0.1:\(cluster.port)... OK\n")

        // What the builds left on the shared engine: the image, and the failed step's container
        // (`docker build` keeps it, as under ocluster, until the worker prunes).
        let image = Self.lastWord(after: "Successfully built ", in: result.output)
        let container = Self.lastWord(after: " ---> Running in ", in: failed.output)
        #expect(image != nil && container != nil, "\(result.output)\n\(failed.output)")
        let docker = ["DOCKER_HOST=" + dockerHost, "docker"]
        if let container { _ = try await ClusterHarness.run("/usr/bin/env", docker + ["rm", container]) }
        if let image { _ = try await ClusterHarness.run("/usr/bin/env", docker + ["rmi", image]) }
    }

    /// The rest of the last line of `text` that starts with `prefix`.
    static func lastWord(after prefix: String, in text: String) -> String? {
        text.split(separator: "\n").last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    @Test func anOBuilderJobRunsOnTheDockerStore() async throws {
        let dockerHost = try await Self.dockerHost()
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        // The start-up self-test builds `(from busybox)` on this store before the worker registers.
        let store = cluster.path("obuilder-docker")
        try cluster.startWorker(
            "worker-1",
            store: "docker:" + store,
            environment: ["DOCKER_HOST": dockerHost]
        )
        try await cluster.waitForWorker("worker-1")
        let nonce = UUID().uuidString
        let spec = """
            ((from busybox) (shell /bin/sh -c)
             (run (shell "echo one-$((1+1))-\(nonce) > /made"))
             (run (shell "cat /made; echo host=$(hostname)")))
            """
        let result = try await cluster.submit(spec: spec)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\none-2-\(nonce)\n"), "\(result.output)")
        #expect(result.output.contains("\nhost=builder\n"), "each step runs as a container named like OBuilder's")
        // The job's output is the final snapshot's id.
        #expect(result.output.contains("\nJob succeeded\nResult: \""), "\(result.output)")
        let again = try await cluster.submit(spec: spec)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.components(separatedBy: "from cache").count - 1 >= 2, "\(again.output)")
        cluster.stop("worker-1")
        // The snapshots are images named after the store (`obuilder-` and 7 hex digits of the
        // SHA-256 of its path); remove them from the shared engine.
        let digest = try await ClusterHarness.run("/bin/sh", ["-c", "printf %s \"$1\" | sha256sum", "sh", store])
        let prefix = "obuilder-\(digest.output.prefix(7))-"
        let docker = ["DOCKER_HOST=" + dockerHost, "docker"]
        let listed = try await ClusterHarness.run("/usr/bin/env", docker + ["images", "--format", "{{.Repository}}"])
        let images = listed.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
        #expect(!images.isEmpty, "the snapshots are images of this store: \(listed.output)")
        if !images.isEmpty {
            let removed = try await ClusterHarness.run("/usr/bin/env", docker + ["rmi"] + images)
            #expect(removed.status == 0, "\(removed.output)")
        }
    }
}
