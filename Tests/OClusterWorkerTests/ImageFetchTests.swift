// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import OBuilder
import OClusterAPI
import OClusterWorker
import Synchronization
import TestSupport
import Testing

/// `(from IMAGE)` fetched from a real registry (`docker-registry`) holding a busybox image the
/// test pushed (`scripts/push-base-image.sh`), built through the real builder and runc.
@Suite("OBuilder base images from a registry", .serialized)
struct ImageFetchTests {
    /// A registry holding `test/busybox:1`, a store, a runc sandbox and a builder with `fetcher`.
    final class Setup: Sendable {
        let registry: TestRegistry
        let root: TemporaryDirectory
        let digest: String
        let builder: OBuilderBuilder

        init(
            fetcher: (RegistryConfiguration) -> any ImageFetcher = { SkopeoImageFetcher(configuration: $0) }
        )
            async throws
        {
            registry = try await TestRegistry.start(authenticated: false)
            root = try TemporaryDirectory("ocluster-image-fetch")
            digest = try await registry.pushBusybox(as: "test/busybox:1")
            let store = try await SnapshotStore(root: root.path + "/store")
            let sandbox = try await RuncSandbox(stateDirectory: root.path + "/sandbox")
            builder = OBuilderBuilder(
                store: store,
                sandbox: sandbox,
                baseImages: BaseImageStore(directory: root.path + "/no-images"),
                fetcher: fetcher(RegistryConfiguration()),
                defaultShell: ["/bin/sh", "-c"]
            )
        }

        func build(_ spec: String, log: Events = Events()) async throws(OBuilderError) -> String {
            try await builder.build(specText: spec, sourceDirectory: root.path) { log.append($0) }
        }

        func stop() {
            registry.stop()
            root.remove()
        }
    }

    /// Log events collected from any thread.
    final class Events: Sendable {
        private let events = Mutex<[OBuilderLogEvent]>([])
        func append(_ event: OBuilderLogEvent) { events.withLock { $0.append(event) } }
        var notes: [String] { events.withLock { $0.compactMap { if case .note(let t) = $0 { t } else { nil } } } }
        var output: [String] { events.withLock { $0.compactMap { if case .output(let t) = $0 { t } else { nil } } } }
    }

    @Test("A multi-step spec from a tag is fetched once; the digest form and later builds reuse it")
    func tagThenDigest() async throws {
        let setup = try await Setup()
        defer { setup.stop() }
        let image = setup.registry.host + "/test/busybox:1"
        let first = Events()
        let id = try await setup.build(
            """
            ((from \(image)) (shell /bin/sh -c)
             (run (shell "echo \\"path=$PATH\\"; echo made > /made"))
             (run (shell "cat /made; ls /bin/busybox")))
            """,
            log: first
        )
        #expect(first.notes.contains { $0.hasPrefix("Fetching \(setup.registry.host)/test/busybox@\(setup.digest)") })
        #expect(first.output.contains { $0.hasPrefix("Copying blob sha256:") }, "skopeo's progress is in the log")
        #expect(first.output.contains("path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        #expect(first.output.contains("made"))

        let byDigest = Events()
        let pinned = setup.registry.host + "/test/busybox@" + setup.digest
        _ = try await setup.build("((from \(pinned)) (shell /bin/sh -c) (run (shell \"echo pinned\")))", log: byDigest)
        #expect(!byDigest.notes.contains { $0.hasPrefix("Fetching") }, "the same digest is not fetched again")
        #expect(byDigest.notes.contains { $0.hasSuffix("from cache") })
        #expect(byDigest.output.contains("pinned"))

        let again = Events()
        let sameID = try await setup.build(
            """
            ((from \(image)) (shell /bin/sh -c)
             (run (shell "echo \\"path=$PATH\\"; echo made > /made"))
             (run (shell "cat /made; ls /bin/busybox")))
            """,
            log: again
        )
        #expect(sameID == id)
        #expect(!again.notes.contains { $0.hasPrefix("Fetching") })

        // The tag moves: the new image is fetched, keyed by its own digest.
        let moved = try await setup.registry.pushBusybox(as: "test/busybox:1")
        #expect(moved != setup.digest)
        let afterMove = Events()
        let movedID = try await setup.build(
            "((from \(image)) (shell /bin/sh -c) (run (shell \"echo \\\"path=$PATH\\\"; echo made > /made\")))",
            log: afterMove
        )
        #expect(afterMove.notes.contains { $0.hasPrefix("Fetching \(setup.registry.host)/test/busybox@\(moved)") })
        #expect(movedID != id)
        #expect(try OBuilderFileSystemProbe.entries(setup.root.path + "/store/tmp").isEmpty)
    }

    @Test("Concurrent builds from one new image fetch it once")
    func concurrentFetchOnce() async throws {
        let setup = try await Setup()
        defer { setup.stop() }
        let image = setup.registry.host + "/test/busybox:1"
        let logs = (0..<4).map { _ in Events() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, log) in logs.enumerated() {
                group.addTask {
                    _ = try await setup.build(
                        "((from \(image)) (shell /bin/sh -c) (run (shell \"echo build-\(index)\")))",
                        log: log
                    )
                }
            }
            try await group.waitForAll()
        }
        let fetches = logs.map { $0.notes.filter { $0.hasPrefix("Fetching") }.count }.reduce(0, +)
        #expect(fetches == 1, "one fetch for four builds")
        for (index, log) in logs.enumerated() { #expect(log.output.contains("build-\(index)")) }
    }

    @Test(
        "Unknown tags and repositories and a registry that is down fail clearly; an outage spares images fetched before"
    )
    func errors() async throws {
        let setup = try await Setup()
        defer { setup.stop() }
        let host = setup.registry.host
        let unknownTag = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from \(host)/test/busybox:nope) (run (shell \"true\")))")
        }
        #expect(unknownTag?.code == .unknownBaseImage)
        #expect(unknownTag?.message.contains("image \(host)/test/busybox:nope not found") == true)
        #expect(unknownTag?.message.contains("manifest unknown") == true)

        let unknownRepository = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from \(host)/test/nothing:1) (run (shell \"true\")))")
        }
        #expect(unknownRepository?.code == .unknownBaseImage)

        let invalid = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from \"-rm/x\") (run (shell \"true\")))")
        }
        #expect(invalid?.code == .unknownBaseImage)
        #expect(invalid?.message.hasPrefix("invalid image reference") == true)

        // Fetched once while the registry is up: an outage later falls back to that snapshot.
        _ = try await setup.build("((from \(host)/test/busybox:1) (run (shell \"true\")))")
        setup.registry.stop()
        let fallback = Events()
        _ = try await setup.build("((from \(host)/test/busybox:1) (run (shell \"echo offline\")))", log: fallback)
        #expect(fallback.notes.contains { $0.contains("using the image \(host)/test/busybox:1 resolved to before") })
        #expect(fallback.output.contains("offline"))

        let down = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from \(host)/test/other:1) (run (shell \"true\")))")
        }
        #expect(down?.code == .imageFetch)
        #expect(down?.message.contains("connection refused") == true)
        #expect(try OBuilderFileSystemProbe.entries(setup.root.path + "/store/tmp").isEmpty)
    }

    @Test("A corrupt layer fails the fetch; the partial root file system is removed and a repaired image then builds")
    func corruptLayer() async throws {
        let setup = try await Setup()
        defer { setup.stop() }
        let blobs = setup.registry.directory.path + "/data/docker/registry/v2/blobs/sha256"
        // The layer is the largest blob; flip its bytes past the gzip header.
        let layer = try OBuilderFileSystemProbe.largestFile(under: blobs)
        let original = try Data(contentsOf: URL(fileURLWithPath: layer))
        var corrupt = original
        for index in stride(from: 100, to: min(corrupt.count, 4000), by: 7) { corrupt[index] ^= 0xFF }
        try corrupt.write(to: URL(fileURLWithPath: layer))
        let error = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from \(setup.registry.host)/test/busybox:1) (run (shell \"true\")))")
        }
        #expect(error?.code == .imageFetch)
        #expect(error?.message.contains("cannot fetch image") == true)
        #expect(try OBuilderFileSystemProbe.entries(setup.root.path + "/store/snapshots").isEmpty)
        #expect(try OBuilderFileSystemProbe.entries(setup.root.path + "/store/tmp").isEmpty)

        try original.write(to: URL(fileURLWithPath: layer))
        let repaired = Events()
        _ = try await setup.build(
            "((from \(setup.registry.host)/test/busybox:1) (shell /bin/sh -c) (run (shell \"echo repaired\")))",
            log: repaired
        )
        #expect(repaired.output.contains("repaired"))
    }

    @Test("A private registry: refused without credentials, fetched with --obuilder-registry-auth's file")
    func privateRegistry() async throws {
        let registry = try await TestRegistry.start(authenticated: true)
        let root = try TemporaryDirectory("ocluster-fetch-auth")
        defer {
            registry.stop()
            root.remove()
        }
        let token = Data("\(TestRegistry.user):\(TestRegistry.password)".utf8).base64EncodedString()
        try root.write("auth.json", "{\"auths\": {\"\(registry.host)\": {\"auth\": \"\(token)\"}}}\n")
        let authFile = root.path + "/auth.json"
        _ = try await registry.pushBusybox(as: "private/busybox:1", environment: ["REGISTRY_AUTH_FILE": authFile])
        let store = try await SnapshotStore(root: root.path + "/store")
        let sandbox = try await RuncSandbox(stateDirectory: root.path + "/sandbox")
        func builder(_ configuration: RegistryConfiguration) -> OBuilderBuilder {
            OBuilderBuilder(
                store: store,
                sandbox: sandbox,
                baseImages: BaseImageStore(directory: root.path + "/none"),
                fetcher: SkopeoImageFetcher(configuration: configuration),
                defaultShell: ["/bin/sh", "-c"]
            )
        }
        let spec = "((from \(registry.host)/private/busybox:1) (run (shell \"echo private\")))"
        let refused = await #expect(throws: OBuilderError.self) {
            try await builder(RegistryConfiguration()).build(specText: spec, sourceDirectory: root.path) { _ in }
        }
        #expect(refused?.message.contains("unauthorized") == true, "\(String(describing: refused))")
        let events = Events()
        _ = try await builder(RegistryConfiguration(authFile: authFile)).build(
            specText: spec,
            sourceDirectory: root.path
        ) { events.append($0) }
        #expect(events.output.contains("private"))
    }

    @Test("A disk that fills up during extraction fails the fetch and leaves nothing in the store")
    func diskFull() async throws {
        let setup = try await Setup()
        defer { setup.stop() }
        // A 1 MiB tmpfs holds the compressed download but not the unpacked busybox.
        let small = setup.root.path + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        try await shell(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small])
        do {
            let store = try await SnapshotStore(root: small + "/store", backend: .copy)
            let builder = OBuilderBuilder(
                store: store,
                sandbox: setup.builder.sandbox,
                baseImages: BaseImageStore(directory: small + "/none"),
                fetcher: SkopeoImageFetcher()
            )
            let error = await #expect(throws: OBuilderError.self) {
                try await builder.build(
                    specText: "((from \(setup.registry.host)/test/busybox:1) (run (shell \"true\")))",
                    sourceDirectory: setup.root.path
                ) { _ in }
            }
            #expect(error?.code == .imageFetch)
            #expect(error?.message.contains("no space left on device") == true, "\(String(describing: error))")
            #expect(try OBuilderFileSystemProbe.entries(small + "/store/snapshots").isEmpty)
            #expect(try OBuilderFileSystemProbe.entries(small + "/store/tmp").isEmpty)
        } catch {
            try await shell(["umount", small])
            throw error
        }
        try await shell(["umount", small])
    }
}

/// The worker's self-test and the Docker-engine fetcher against the same kind of registry.
@Suite("OBuilder base images: self-test and Docker engine", .serialized)
struct ImageFetchWorkerTests {
    @Test("The self-test builds (from busybox) through the registry mirror, as a worker started from the docs does")
    func healthcheckThroughMirror() async throws {
        let registry = try await TestRegistry.start(authenticated: false)
        let root = try TemporaryDirectory("ocluster-fetch-healthcheck")
        defer {
            registry.stop()
            root.remove()
        }
        _ = try await registry.pushBusybox(as: "library/busybox:latest")
        let backend = try await OBuilderJobBackend.open(
            store: "overlayfs:" + root.path + "/store",
            sandboxDirectory: root.path + "/sandbox",
            baseImages: root.path + "/store/base-images",
            fetcher: SkopeoImageFetcher(configuration: RegistryConfiguration(mirror: registry.host))
        )
        try await backend.healthcheck()
        #expect(
            await backend.builder.store.snapshotIDs().count == 1,
            "the fetched busybox stays; the check's step went"
        )

        let withoutMirror = try await OBuilderJobBackend.open(
            store: "overlayfs:" + root.path + "/other-store",
            sandboxDirectory: root.path + "/sandbox",
            baseImages: root.path + "/store/base-images",
            fetcher: SkopeoImageFetcher(configuration: RegistryConfiguration(mirror: "127.0.0.1:1"))
        )
        let error = await #expect(throws: WorkerError.self) { try await withoutMirror.healthcheck() }
        #expect(error?.message.contains("cannot fetch image busybox") == true, "\(String(describing: error))")
    }

    @Test("Through a worker job: the fetch's progress and timestamped notes are in the log; an unknown image says so")
    func jobLog() async throws {
        let registry = try await TestRegistry.start(authenticated: false)
        let root = try TemporaryDirectory("ocluster-fetch-job")
        defer {
            registry.stop()
            root.remove()
        }
        _ = try await registry.pushBusybox(as: "test/busybox:1")
        let backend = try await OBuilderJobBackend.open(
            store: "overlayfs:" + root.path + "/store",
            sandboxDirectory: root.path + "/sandbox",
            baseImages: root.path + "/store/base-images",
            fetcher: SkopeoImageFetcher()
        )
        let harness = try AgentTests.Harness(
            builder: StandardJobBuilder(docker: DockerBuilder(configuration: DockerConfiguration()), obuilder: backend)
        )
        let good = await harness.scheduler.submit {
            $0.action.initObuilder().spec =
                "((from \(registry.host)/test/busybox:1) (shell /bin/sh -c) (run (shell \"echo in-the-job\")))"
        }
        _ = try await good.result()
        let log = try await good.wholeLog()
        #expect(log.contains("Copying blob sha256:"))
        #expect(log.contains("in-the-job\n"))
        #expect(
            log.contains(#/\e\[01;35m\d{4}-\d\d-\d\d \d\d:\d\d\.\d\d Fetched /#),
            "notes carry ocluster's timestamp"
        )

        let bad = await harness.scheduler.submit {
            $0.action.initObuilder().spec = "((from \(registry.host)/test/missing:1) (run (shell \"true\")))"
        }
        await #expect(throws: RPCError.self) { try await bad.result() }
        #expect(try await bad.wholeLog().contains("image \(registry.host)/test/missing:1 not found"))
        try await harness.stop()
    }

    @Test("The Docker engine fetcher pulls, exports and keys the image by its id, once")
    func dockerEngine() async throws {
        let environment = try await DockerTestEngine.environment()
        let setup = try await ImageFetchTests.Setup(fetcher: {
            DockerImageFetcher(configuration: $0, environment: environment)
        })
        defer { setup.stop() }
        let image = setup.registry.host + "/test/busybox:1"
        let first = ImageFetchTests.Events()
        _ = try await setup.build(
            "((from \(image)) (shell /bin/sh -c) (run (shell \"echo \\\"path=$PATH\\\"; ls /bin/busybox\")))",
            log: first
        )
        #expect(first.notes.contains { $0.hasPrefix("Fetching \(image)") })
        #expect(first.output.contains("path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        #expect(first.output.contains("/bin/busybox"))
        let second = ImageFetchTests.Events()
        _ = try await setup.build("((from \(image)) (shell /bin/sh -c) (run (shell \"echo again\")))", log: second)
        #expect(!second.notes.contains { $0.hasPrefix("Fetching") })
        #expect(second.output.contains("again"))
        #expect(try OBuilderFileSystemProbe.entries(setup.root.path + "/store/tmp").isEmpty)

        let missing = await #expect(throws: OBuilderError.self) {
            try await setup.build("((from \(setup.registry.host)/test/busybox:nope) (run (shell \"true\")))")
        }
        #expect(missing?.code == .unknownBaseImage, "\(String(describing: missing))")
        _ = try? await DockerTestEngine.docker(["rmi", "--force", image])

        // An image without CMD (as `docker import` makes them) exports too.
        try await shell(["bash", Repository.scripts + "/make-base-image.sh", setup.root.path + "/import"])
        let imported = try await shell(
            [
                "sh", "-c", "tar -C \"$1\" -c . | docker import - local/obuilder-no-cmd:test", "import",
                setup.root.path + "/import/busybox/rootfs",
            ],
            environment: environment
        )
        defer { Task { _ = try? await DockerTestEngine.docker(["rmi", "--force", "local/obuilder-no-cmd:test"]) } }
        let target = setup.root.path + "/exported"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try await DockerImageFetcher(environment: environment).fetch(
            ResolvedImage(
                reference: try ImageReference(parsing: "local/obuilder-no-cmd:test"),
                digest: imported,
                environment: []
            ),
            into: target,
            scratch: setup.root.path
        ) { _ in }
        #expect(FileManager.default.fileExists(atPath: target + "/bin/busybox"))
    }
}

/// Directory probes for the assertions.
enum OBuilderFileSystemProbe {
    static func entries(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path)
    }

    static func largestFile(under path: String) throws -> String {
        var best: (path: String, size: Int) = ("", -1)
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw WorkerError(.fileSystem, "cannot list \(path)")
        }
        while let relative = enumerator.nextObject() as? String {
            let full = path + "/" + relative
            let size = (try? FileManager.default.attributesOfItem(atPath: full)[.size] as? Int) ?? 0
            if relative.hasSuffix("/data"), size > best.size { best = (full, size) }
        }
        return best.path
    }
}
