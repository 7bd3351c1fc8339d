// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Snapshots as Docker images, as OBuilder's `docker:` store (to be used with a
/// ``DockerSandbox``, which runs each step as a container and commits it).
///
/// Names follow OBuilder's: `obuilder-HASH-image-…` for images and `obuilder-HASH-container-…`
/// for containers, where HASH is the first 7 hex digits of the SHA-256 of the store's path, so
/// that stores sharing an engine keep apart. A snapshot's directory holds the name of its image
/// in `image` (written before the image exists, so that a crash leaves nothing unnamed behind);
/// the image's name ends in 32 random hex digits, since the store picks the snapshot's id only
/// after the backend has finished.
///
/// A snapshot with no parent (a base image) is filled as a directory and imported
/// (`docker import`); any other starts as a tag of its parent's image, and the sandbox commits
/// the step's container to it. Caches are directories of the store bind-mounted into the
/// containers, cloned by copying as with ``CopySnapshotBackend``.
public struct DockerSnapshotBackend: SnapshotBackend {
    public let docker: DockerClient
    /// `obuilder-HASH`, the start of every name this store gives.
    public let prefix: String

    public var name: String { "docker" }

    /// - Parameter root: the store's directory, whose path names its images.
    public init(root: String, docker: DockerClient = DockerClient()) {
        self.docker = docker
        prefix = "obuilder-" + SHA256Hasher.hex(OBuilderFileSystem.absolute(root)).prefix(7)
    }

    private static let scheme = "docker-image:"

    /// The `rootfs` handed to a step that starts from `image`.
    static func rootfs(image: String) -> String { scheme + image }

    /// The image a step's `rootfs` names, or nil if it is a directory.
    static func image(inRootfs rootfs: String) -> String? {
        rootfs.hasPrefix(scheme) ? String(rootfs.dropFirst(scheme.count)) : nil
    }

    /// The container a step on `image` runs in.
    static func container(forImage image: String) -> String {
        image.replacing("-image-", with: "-container-", maxReplacements: 1)
    }

    /// Checks that the engine answers, then removes the containers a killed worker left.
    public func check(root: String) async throws(OBuilderError) {
        try await docker.check(["version", "--format", "{{.Server.Version}}"])
        let leftovers = try await docker.check([
            "container", "ls", "--all", "--quiet", "--filter", "name=^" + prefix + "-container-",
        ])
        let ids = leftovers.split(whereSeparator: \.isWhitespace).map(String.init)
        if !ids.isEmpty { try await docker.check(["rm", "--force", "--"] + ids) }
    }

    public func make(
        in work: String,
        from parent: SnapshotLayers?,
        scratch: String,
        body: @Sendable (String) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) -> SnapshotLayering {
        // Random, since the store picks the id afterwards and may reuse a work directory's name.
        let random = (0..<2).map { _ in
            let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        let image = prefix + "-image-" + random.joined()
        try OBuilderFileSystem.writeFile(work + "/image", image + "\n")
        guard let parent else {
            let rootfs = work + "/rootfs"
            try OBuilderFileSystem.makeDirectory(rootfs)
            try await body(rootfs)
            try await importTree(rootfs, as: image)
            try await OBuilderFileSystem.removeTree(rootfs)
            return .complete
        }
        let snapshot = OBuilderFileSystem.parent(of: parent.layers.first ?? "")
        guard let parentImage = Self.imageName(ofSnapshot: snapshot) else {
            throw OBuilderError(.store, "snapshot \(parent.id) has no Docker image recorded in \(snapshot)/image")
        }
        try await docker.check(["tag", parentImage, image])
        try await body(Self.rootfs(image: image))
        return .complete
    }

    /// `tar` of `directory` piped into `docker import`.
    private func importTree(_ directory: String, as image: String) async throws(OBuilderError) {
        // bash for pipefail: a tar that failed half-way must fail the import.
        let script = "tar -C \"$1\" -cf - . | \"$2\" import - \"$3\""
        let result = try await docker.execute([
            "bash", "-o", "pipefail", "-c", script, "import", directory, docker.executable, image,
        ])
        guard result.status == 0 else {
            throw OBuilderError(
                .store,
                "importing \(directory) as \(image) failed: \(HelperCommand.trimmed(result.output))"
            )
        }
    }

    /// Exports the snapshot's image (`docker create`, `docker export` into `tar -x`) to a
    /// directory in `scratch` for the call: the engine keeps the files, not the store.
    public func withReadableRoot<R: Sendable>(
        of snapshot: SnapshotLayers,
        scratch: String,
        _ body: @Sendable (String) async throws(OBuilderError) -> R
    ) async throws(OBuilderError) -> R {
        let directory = OBuilderFileSystem.parent(of: snapshot.layers.first ?? "")
        guard let image = Self.imageName(ofSnapshot: directory) else {
            throw OBuilderError(.store, "snapshot \(snapshot.id) has no Docker image recorded in \(directory)/image")
        }
        let view = try OBuilderFileSystem.makeTemporaryDirectory(in: scratch, prefix: "view-")
        do throws(OBuilderError) {
            // A command, never run: `docker create` refuses an image without one.
            let container =
                try await docker.check(["create", "--", image, "/obuilder-export"])
                .split(whereSeparator: \.isWhitespace).last.map(String.init) ?? ""
            let script = "\"$1\" export -- \"$2\" | tar -x -C \"$3\" -f -"
            let export = try await docker.execute([
                "bash", "-o", "pipefail", "-c", script, "export", docker.executable, container, view,
            ])
            _ = try await docker.run(["rm", "--force", "--", container])
            guard export.status == 0 else {
                throw OBuilderError(.store, "exporting \(image) failed: \(HelperCommand.trimmed(export.output))")
            }
            let result = try await body(view)
            try await OBuilderFileSystem.removeTree(view)
            return result
        } catch {
            try? await OBuilderFileSystem.removeTree(view)
            throw error
        }
    }

    /// The image recorded in the snapshot (or work) directory `directory`.
    public static func imageName(ofSnapshot directory: String) -> String? {
        OBuilderFileSystem.readText(directory + "/image")?.split(separator: "\n").first.map(String.init)
    }

    /// Removes the images of `path` (a snapshot or work directory) and of the snapshots directly
    /// inside it (a trash directory), then the files.
    public func removeTree(_ path: String) async throws(OBuilderError) {
        var images = [Self.imageName(ofSnapshot: path)].compactMap { $0 }
        if OBuilderFileSystem.isDirectory(path) {
            for entry in try OBuilderFileSystem.listDirectory(path) {
                if let image = Self.imageName(ofSnapshot: path + "/" + entry) { images.append(image) }
            }
        }
        for image in images {
            let result = try await docker.run(["image", "rm", "--force", "--", image])
            guard result.status == 0 || result.output.contains("No such image") else {
                throw OBuilderError(.store, "docker image rm \(image) failed: \(HelperCommand.trimmed(result.output))")
            }
        }
        try await OBuilderFileSystem.removeTree(path)
    }
}
