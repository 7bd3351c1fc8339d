// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterWorker
import TestSupport
import Testing

/// `--self-update docker-service` against a real swarm: a private engine in a network namespace
/// of its own (swarm mode adds bridges and veths), with a registry in the same namespace that
/// holds the "new" worker image. Fails, not skips, when docker.io or docker-registry is missing.
@Suite("Self-update of a real docker swarm service", .serialized)
struct DockerServiceUpdateTests {
    @Test(
        "The update pulls the new image from the registry and moves the service to its digest",
        .timeLimit(.minutes(5))
    )
    func updatesTheService() async throws {
        let engine = try await PrivateDockerEngine.start(ownNetwork: true)
        var registry: TestRegistry?
        do {
            guard let pid = engine.pid else { throw WorkerError(.docker, "no dockerd pid") }
            registry = try await TestRegistry.start(authenticated: false, namespaceOf: pid)
            try await scenario(engine, registry: "127.0.0.1:5000")
        } catch {
            Issue.record(error)
        }
        _ = try? await engine.docker(["service", "rm", "builder_agent"])
        _ = try? await engine.docker(["swarm", "leave", "--force"])
        registry?.stop()
        await engine.stop()
    }

    private func scenario(_ engine: PrivateDockerEngine, registry: String) async throws {
        let repository = "\(registry)/ocurrent/ocluster-worker"
        let image = repository + ":live"
        let context = try TemporaryDirectory()
        defer { context.remove() }
        /// Builds and pushes `image` labelled with `version`; returns its registry digest.
        func release(_ version: Int) async throws -> String {
            try context.write(
                "Dockerfile",
                "FROM local/busybox:latest\nLABEL version=\(version)\nCMD [\"sleep\", \"3600\"]\n"
            )
            try await engine.docker(["build", "--network", "none", "-t", image, context.path])
            try await engine.docker(["push", image])
            let digests = try await engine.docker(["image", "inspect", "-f", "{{ join .RepoDigests \" \" }}", image])
            guard let digest = digests.split(separator: " ").first(where: { $0.hasPrefix(repository + "@") }) else {
                throw WorkerError(.docker, "no digest for \(image) in \(digests)")
            }
            return String(digest)
        }
        func serviceImage() async throws -> String {
            try await engine.docker([
                "service", "inspect", "-f", "{{ .Spec.TaskTemplate.ContainerSpec.Image }}", "builder_agent",
            ])
        }

        try await engine.docker(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1"])
        let old = try await release(1)
        try await engine.docker(["service", "create", "--detach", "--name", "builder_agent", image])
        #expect(try await serviceImage().hasSuffix(old.dropFirst(repository.count)), "the service runs version 1")
        let new = try await release(2)
        #expect(new != old)
        // Only the registry has the new release: the update has to pull it.
        try await engine.docker(["rmi", image])

        let update = SelfUpdate.dockerService(image: image, service: "builder_agent", docker: engine.configuration())
        let finish = try await update.prepare()
        #expect(try await engine.docker(["image", "inspect", "-f", "{{ .Config.Labels.version }}", image]) == "2")
        #expect(try await serviceImage().hasSuffix(old.dropFirst(repository.count)), "not updated before finishing")
        try await finish()
        #expect(try await serviceImage() == new)
        let running = try await eventually(timeout: .seconds(60)) {
            let ids = try await engine.docker(["ps", "-q", "--filter", "label=version=2"])
            return !ids.isEmpty
        }
        #expect(running, "a task of the new release runs")
    }
}
