// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OBuilder
import Synchronization
import TestSupport
import Testing

/// The `docker:` store and sandbox on the test Docker engine: steps as containers, snapshots as
/// images, the base image `docker import`ed from the busybox root file system the tests make.
@Suite("OBuilder docker: store", .serialized)
struct DockerStoreTests {
    final class Setup: Sendable {
        let root: TemporaryDirectory
        let store: SnapshotStore
        let backend: DockerSnapshotBackend
        let builder: OBuilderBuilder
        let environment: [String: String]

        /// - Parameter fetcher: how `(from IMAGE)` names not in the test's base-image directory are
        ///   fetched (none: only that directory's images).
        init(fetcher: (@Sendable ([String: String]) -> any ImageFetcher)? = nil) async throws {
            environment = try await DockerTestEngine.environment()
            root = try TemporaryDirectory("ocluster-docker-store")
            try await shell(["bash", Repository.scripts + "/make-base-image.sh", root.path + "/images"])
            let docker = DockerClient(environment: environment)
            backend = DockerSnapshotBackend(root: root.path + "/store", docker: docker)
            store = try await SnapshotStore(root: root.path + "/store", backend: backend)
            let sandbox = try await DockerSandbox(
                stateDirectory: root.path + "/sandbox",
                docker: docker,
                options: DockerSandboxOptions(cpus: 1.5, memory: "64m")
            )
            _ = try await sandbox.version()
            builder = OBuilderBuilder(
                store: store,
                sandbox: sandbox,
                baseImages: BaseImageStore(directory: root.path + "/images"),
                fetcher: fetcher?(environment),
                defaultShell: ["/bin/sh", "-c"]
            )
            try root.write("context/input.txt", "from-context\n")
        }

        func build(_ spec: String, log: ImageFetchTests.Events = .init()) async throws(OBuilderError) -> String {
            try await builder.build(specText: spec, sourceDirectory: root.path + "/context") { log.append($0) }
        }

        /// This store's images and containers on the engine.
        func objects() async throws -> (images: [String], containers: [String]) {
            let images = try await DockerTestEngine.docker(["images", "--format", "{{.Repository}}"])
            let containers = try await DockerTestEngine.docker(["ps", "--all", "--format", "{{.Names}}"])
            let mine = { (text: String) in
                text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(self.backend.prefix + "-") }
            }
            return (mine(images), mine(containers))
        }

        /// Runs `body` with a new setup, then deletes its snapshots (their images) and files,
        /// whether `body` succeeded or not.
        static func with(
            fetcher: (@Sendable ([String: String]) -> any ImageFetcher)? = nil,
            _ body: (Setup) async throws -> Void
        ) async throws {
            let setup = try await Setup(fetcher: fetcher)
            do {
                try await body(setup)
            } catch {
                await setup.stop()
                throw error
            }
            await setup.stop()
        }

        func stop() async {
            for id in await store.snapshotIDs() { try? await store.delete(id) }
            root.remove()
        }
    }

    static let spec = """
        ((from busybox) (shell /bin/sh -c)
         (copy (src input.txt) (dst /input.txt))
         (run (shell "echo step-one > /made"))
         (run (cache (counter (target /cache)))
              (shell "cat /input.txt /made; echo x >> /cache/count; echo count=$(wc -l < /cache/count); \
        echo quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us); \
        echo memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); echo host=$(hostname); id -u")))
        """

    @Test("A multi-step spec with a cache runs as containers with the limits; the second build comes from the cache")
    func buildThenCached() async throws {
        try await Setup.with { setup in try await Self.buildThenCached(setup) }
    }

    private static func buildThenCached(_ setup: Setup) async throws {
        let first = ImageFetchTests.Events()
        let id = try await setup.build(spec, log: first)
        #expect(first.output.contains("from-context"))
        #expect(first.output.contains("step-one"))
        #expect(first.output.contains("count=1"))
        #expect(first.output.contains("quota=150000"), "--docker-cpus 1.5: \(first.output)")
        #expect(first.output.contains("memory=67108864"), "--docker-memory 64m: \(first.output)")
        #expect(first.output.contains("host=builder"))
        #expect(first.notes.filter { $0.hasPrefix("---> saved as") }.count == 4)
        let objects = try await setup.objects()
        #expect(objects.containers.isEmpty, "containers are removed after each step: \(objects.containers)")
        #expect(objects.images.count == 4, "one image per snapshot: \(objects.images)")
        let made = try await DockerTestEngine.docker([
            "run", "--rm", "--entrypoint", "/bin/cat",
            DockerSnapshotBackend.imageName(ofSnapshot: setup.store.root + "/snapshots/" + id) ?? "", "/made",
        ])
        #expect(made == "step-one", "the final snapshot is an image holding every step's files")

        let second = ImageFetchTests.Events()
        let again = try await setup.build(spec, log: second)
        #expect(again == id)
        #expect(second.notes.filter { $0.hasSuffix("from cache") }.count == 4)
        #expect(!second.notes.contains { $0.hasPrefix("---> saved as") })
        #expect(second.output.contains("count=1"), "the saved log is replayed")
        #expect(try await setup.objects().images.count == 4)

        // Another command with the same cache sees what the first one left there.
        let third = ImageFetchTests.Events()
        _ = try await setup.build(
            spec.replacingOccurrences(of: "id -u", with: "id -u; echo changed"),
            log: third
        )
        #expect(third.output.contains("count=2"), "the cache persists between builds: \(third.output)")
        #expect(third.notes.filter { $0.hasSuffix("from cache") }.count == 3)
        for id in await setup.store.snapshotIDs() { try await setup.store.delete(id) }
        #expect(try await setup.objects().images.isEmpty, "deleting the snapshots removes their images")
    }

    @Test("The multi-step spec from an image on a local registry: pulled by the engine once, then from the cache")
    func buildFromRegistryThenCached() async throws {
        // The engine pulls over plain HTTP: dockerd treats registries on 127.0.0.0/8 as insecure.
        let registry = try await TestRegistry.start(authenticated: false)
        defer { registry.stop() }
        let image = registry.host + "/test/busybox:docker-store"
        _ = try await registry.pushBusybox(as: "test/busybox:docker-store")
        let spec = Self.spec.replacingOccurrences(of: "(from busybox)", with: "(from \(image))")
        #expect(spec != Self.spec)
        let pull: @Sendable ([String: String]) -> any ImageFetcher = { DockerImageFetcher(environment: $0) }
        try await Setup.with(fetcher: pull) { setup in
            let first = ImageFetchTests.Events()
            let id = try await setup.build(spec, log: first)
            #expect(first.notes.contains("Fetching \(image)"), "\(first.notes)")
            #expect(first.output.contains("from-context"))
            #expect(first.output.contains("count=1"))
            let second = ImageFetchTests.Events()
            #expect(try await setup.build(spec, log: second) == id)
            #expect(!second.notes.contains { $0.hasPrefix("Fetching") }, "not fetched again: \(second.notes)")
            #expect(second.notes.filter { $0.hasSuffix("from cache") }.count == 4, "\(second.notes)")
            #expect(second.output.contains("count=1"), "the saved log is replayed")
            _ = try? await DockerTestEngine.docker(["rmi", image])
        }
    }

    @Test("A failing step leaves no container or image; copy from a build stage reads its image")
    func failureAndStages() async throws {
        try await Setup.with { setup in try await Self.failureAndStages(setup) }
    }

    private static func failureAndStages(_ setup: Setup) async throws {
        let failed = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from busybox) (shell /bin/sh -c) (run (shell \"echo partial > /p; exit 3\")))")
        }
        #expect(failed?.code == .stepFailed && failed?.exitCode == 3, "\(String(describing: failed))")
        let afterFailure = try await setup.objects()
        #expect(afterFailure.containers.isEmpty)
        #expect(afterFailure.images.count == 1, "only the base image: \(afterFailure.images)")

        let log = ImageFetchTests.Events()
        _ = try await setup.build(
            """
            ((build stage ((from busybox) (shell /bin/sh -c) (run (shell "echo built-in-stage > /artifact"))))
             (from busybox) (shell /bin/sh -c)
             (copy (from (build stage)) (src /artifact) (dst /copied))
             (run (shell "cat /copied")))
            """,
            log: log
        )
        #expect(log.output.contains("built-in-stage"))
    }

    @Test("Cancelling a build removes the running container; the step leaves no snapshot")
    func cancel() async throws {
        try await Setup.with { setup in
            let builder = setup.builder
            let source = setup.root.path + "/context"
            let task = Task {
                try await builder.build(
                    specText: "((from busybox) (shell /bin/sh -c) (run (shell \"echo started; sleep 600\")))",
                    sourceDirectory: source
                ) { _ in }
            }
            let running = try await eventually { try await !setup.objects().containers.isEmpty }
            #expect(running, "the step's container starts")
            task.cancel()
            let result = await task.result
            let error = #expect(throws: OBuilderError.self) { try result.get() }
            #expect(error?.code == .cancelled, "\(String(describing: error))")
            let gone = try await eventually { try await setup.objects().containers.isEmpty }
            #expect(gone, "the container is removed")
            #expect(await setup.store.snapshotIDs().count == 1, "only the base image")
            #expect(try await setup.objects().images.count == 1, "the step's image is removed")
        }
    }
}
