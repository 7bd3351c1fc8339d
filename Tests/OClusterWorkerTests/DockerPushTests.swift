// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import OClusterAPI
import OClusterWorker
import TestSupport
import Testing

/// `docker login` and `docker push` against a real registry (``TestRegistry``) from the shared
/// test engine (``DockerTestEngine``). These fail, not skip, when docker.io or docker-registry
/// is missing.
@Suite("Docker push to a real registry", .serialized)
struct DockerPushTests {
    /// A Docker job with an inline Dockerfile (unique, so it is really built) and push fields,
    /// as ocluster-client's `--push-to`, `--push-user` and `--push-password` send them.
    static func pushJob(target: String, user: String = "", password: String = "") -> FakeScheduler.Fill {
        let nonce = UUID().uuidString
        return { descr in
            let build = descr.action.initDockerBuild()
            build.dockerfile.contents =
                "FROM local/busybox:latest\nLABEL nonce=\(nonce)\nRUN echo pushed > /pushed.txt\n"
            build.pushTarget = target
            build.pushUser = user
            build.pushPassword = password
        }
    }

    @Test("A job with push_to and credentials logs in, pushes, and returns the image's repo@digest")
    func pushWithLogin() async throws {
        try await TestRegistry.with(authenticated: true) { registry in
            let repository = "\(registry.host)/ocluster-test/pushed"
            let configuration = try await DockerTestEngine.configuration(allowPush: [repository])
            let harness = try AgentTests.Harness(
                builder: StandardJobBuilder(docker: DockerBuilder(configuration: configuration))
            )
            let job = await harness.scheduler.submit(
                Self.pushJob(target: repository + ":v1", user: TestRegistry.user, password: TestRegistry.password)
            )
            let output = try await job.result().results.output
            let log = try await job.wholeLog()
            #expect(output.hasPrefix(repository + "@sha256:"), "\(output)\n\(log)")
            #expect(log.contains("to \"\(repository):v1\" as user \"\(TestRegistry.user)\"\n"))
            #expect(log.contains("Login Succeeded"))
            #expect(!log.contains(TestRegistry.password), "the password is not logged")
            #expect(try await registry.tags(of: "ocluster-test/pushed") == ["v1"])
            let digest = try await registry.manifestDigest("ocluster-test/pushed", tag: "v1")
            #expect(digest != nil && output == "\(repository)@\(digest ?? "")")
            // Without credentials the registry refuses to list it: the push really went through auth.
            #expect(try await registry.get("/v2/ocluster-test/pushed/tags/list", authenticate: false).status == 401)
            try await harness.stop()
            try await DockerTestEngine.docker(["rmi", repository + ":v1"])
        }
    }

    @Test("Without --allow-push for the repository, the job fails with ocluster's message and nothing is pushed")
    func refusedWithoutAllowPush() async throws {
        try await TestRegistry.with(authenticated: false) { registry in
            let repository = "\(registry.host)/ocluster-test/refused"
            let configuration = try await DockerTestEngine.configuration(allowPush: ["\(registry.host)/other"])
            let harness = try AgentTests.Harness(
                builder: StandardJobBuilder(docker: DockerBuilder(configuration: configuration))
            )
            let job = await harness.scheduler.submit(Self.pushJob(target: repository + ":v1"))
            let error = await #expect(throws: RPCError.self) { try await job.result() }
            #expect(error?.reason == "Build failed")
            let log = try await job.wholeLog()
            #expect(
                log.hasSuffix(
                    "To allow pushing to this repository, start the worker with --allow-push \"\(repository)\"\n"
                ),
                "\(log)"
            )
            #expect(try await registry.tags(of: "ocluster-test/refused") == nil)
            #expect(try await registry.get("/v2/_catalog").text.contains("\"repositories\":[]"))
            try await harness.stop()
        }
    }

    @Test("A wrong password fails the login, and nothing is pushed")
    func wrongPassword() async throws {
        try await TestRegistry.with(authenticated: true) { registry in
            let repository = "\(registry.host)/ocluster-test/denied"
            let builder = DockerBuilder(
                configuration: try await DockerTestEngine.configuration(allowPush: [repository])
            )
            let context = try TemporaryDirectory()
            defer { context.remove() }
            let log = LogData()
            let error = await #expect(throws: WorkerError(.commandFailed, "")) {
                try await builder.run(
                    JobSpec.Docker(
                        dockerfile: .contents("FROM local/busybox:latest\nLABEL nonce=\(UUID().uuidString)\n"),
                        push: JobSpec.Push(
                            target: try JobSpec.ImageID(parsing: repository + ":v1"),
                            credentials: .init(user: TestRegistry.user, password: "wrong")
                        )
                    ),
                    context: context.path,
                    secrets: [],
                    log: log,
                    cancel: CancelSwitch()
                )
            }
            #expect(error?.message == "Failed to docker-login as \"\(TestRegistry.user)\"")
            #expect(log.text.contains("401 Unauthorized"), "\(log.text)")
            #expect(try await registry.tags(of: "ocluster-test/denied") == nil)
        }
    }

    @Test(
        "docker login names the target's registry, or none for Docker Hub (as ocluster)",
        arguments: [
            ("127.0.0.1:5000/org/app", "127.0.0.1:5000"), ("registry.example.com/app", "registry.example.com"),
            ("localhost/app", "localhost"), ("ocurrent/ocluster-worker", nil), ("ubuntu", nil),
        ] as [(String, String?)]
    )
    func loginRegistry(repository: String, registry: String?) throws {
        #expect(try JobSpec.ImageID(parsing: repository + ":tag").registry == registry)
    }
}
