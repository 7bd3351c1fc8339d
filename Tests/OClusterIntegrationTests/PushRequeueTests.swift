// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

/// A Docker job with `--push-to` whose worker is killed mid-build is not run again, since a second run could
/// push twice, unless the scheduler runs with `--requeue-pushing-jobs`: real scheduler, worker and client
/// processes, a real dockerd (``DockerEndToEndTests/dockerHost()``) and a real registry to push to. Fails, not
/// skips, where dockerd or `docker-registry` is missing.
@Suite(.serialized, .ownThread, .timeLimit(.minutes(5))) struct PushRequeueTests {
    @Test func aPushingJobIsNotRetriedByDefault() async throws {
        let run = try await Self.killWorkerMidPush(schedulerArguments: [])
        #expect(run.status == 1, "\(run.log)")
        #expect(run.log.contains("Failed: Worker \"worker-1\" disconnected while running the job ("), "\(run.log)")
        #expect(!run.log.contains("job requeued"), "\(run.log)")
        #expect(!run.log.contains("Building on worker-2"), "\(run.log)")
        #expect(run.tags.isEmpty, "nothing was pushed")
    }

    @Test func aPushingJobIsRetriedWhenEnabled() async throws {
        let run = try await Self.killWorkerMidPush(schedulerArguments: ["--requeue-pushing-jobs"])
        #expect(run.status == 0, "\(run.log)")
        let after = try #require(RequeueTests.afterRequeue(run.log, lost: "worker-1"), "\(run.log)")
        #expect(after.contains("); job requeued, attempt 2 of 3 ---\n"), "\(run.log)")
        #expect(after.contains("Building on worker-2") && after.contains("ended-5"), "\(run.log)")
        // The job's output is the pushed image, which the registry now has.
        #expect(run.log.contains("Result: \"\(run.repository)@sha256:"), "\(run.log)")
        #expect(run.tags == ["v1"])
    }

    /// What ``killWorkerMidPush(schedulerArguments:)`` saw.
    struct Run {
        let status: Int32
        /// The client's output.
        let log: String
        /// `127.0.0.1:PORT/NAME`, where the job pushes (tag `v1`).
        let repository: String
        /// The tags the registry has for the repository once the client exited.
        let tags: [String]
    }

    /// The tags the registry on `port` has for `repository`.
    static func tags(port: Int, repository: String) async throws -> [String] {
        let name = repository.split(separator: "/", maxSplits: 1)[1]
        let response = try await RawHTTP.exchange(
            port: port,
            "GET /v2/\(name)/tags/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        // A repository never pushed to is unknown (404).
        guard response.status == 200 else { return [] }
        let listed = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return listed?["tags"] as? [String] ?? []
    }

    /// Submits a pushing Docker build to worker-1, kills worker-1 (SIGKILL) once the build has started, then
    /// starts worker-2 and waits for the client to exit.
    static func killWorkerMidPush(schedulerArguments: [String]) async throws -> Run {
        let dockerHost = try await DockerEndToEndTests.dockerHost()
        let cluster = try await ClusterHarness()
        let registryPort = try await startRegistry(cluster)
        let repository = "127.0.0.1:\(registryPort)/ocluster-test/requeued"
        try await cluster.startScheduler(schedulerArguments)
        let docker = ["--no-docker-pull", "--docker-build-network=none", "--allow-push", repository]
        try cluster.startWorker("worker-1", extraArguments: docker, environment: ["DOCKER_HOST": dockerHost])
        try await cluster.waitForWorker("worker-1")
        // A nonce, so that the engine's build cache cannot skip the step; the arithmetic makes the lines the
        // step prints differ from the step's own text, which docker shows too.
        let nonce = UUID().uuidString
        try "FROM local/busybox:latest\nRUN echo started-$((1+1))-\(nonce) && sleep 8 && echo ended-$((2+3))\n"
            .write(toFile: cluster.path("Dockerfile"), atomically: true, encoding: .utf8)
        let client = try cluster.start(
            "client",
            "ocluster-client",
            [
                "submit-docker", "-c", cluster.path("secrets/submit-tester.cap"), "--pool", cluster.pool,
                "--local-dockerfile", cluster.path("Dockerfile"), "--push-to", repository + ":v1",
            ]
        )
        try await cluster.waitFor("the build to start", timeout: 120) { cluster.log("client").contains("started-2-") }
        cluster.stop("worker-1", signal: SIGKILL)
        try cluster.startWorker("worker-2", extraArguments: docker, environment: ["DOCKER_HOST": dockerHost])
        try await cluster.waitFor("the client to finish", timeout: 180) { !client.isRunning }
        let run = Run(
            status: client.terminationStatus,
            log: cluster.log("client"),
            repository: repository,
            tags: try await tags(port: registryPort, repository: repository)
        )
        // The pushed image, if any, off the shared engine.
        _ = try? await ClusterHarness.run(
            "/usr/bin/env",
            ["DOCKER_HOST=" + dockerHost, "docker", "rmi", "--force", repository + ":v1"]
        )
        return run
    }

    /// Starts Debian's `docker-registry` (filesystem storage in the cluster's directory) on a free port of
    /// 127.0.0.1, which Docker engines trust over plain HTTP, and returns the port. It is one of the cluster's
    /// processes, stopped with them.
    static func startRegistry(_ cluster: ClusterHarness) async throws -> Int {
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<32000)
            try """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(cluster.path("registry"))
            http:
              addr: 127.0.0.1:\(port)

            """.write(toFile: cluster.path("registry.yml"), atomically: true, encoding: .utf8)
            let registry = try cluster.start(
                "registry",
                "/usr/bin/docker-registry",
                ["serve", cluster.path("registry.yml")]
            )
            let up = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                guard registry.isRunning else { return true }
                let probe = "GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                return (try? await RawHTTP.exchange(port: port, probe).status) == 200
            }
            // Not running: the port was taken; try another.
            if up, registry.isRunning { return port }
            cluster.stop("registry", signal: SIGKILL)
        }
        throw ClusterHarness.Failure(description: "docker-registry did not come up:\n\(cluster.log("registry"))")
    }
}
