// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs each command as a Docker container, as OBuilder's `Docker_sandbox`: on a ``DockerSnapshotBackend``
/// store, the `rootfs` of a step names the image the step starts from, the command runs in a
/// container of that image (`docker run`, standard output and error as one stream) and, when it
/// succeeds, the container is committed to that image (`docker commit`), which becomes the
/// step's snapshot.
///
/// Each container gets `--cpus`, `--isolation` and `--memory` from ``options``, the step's
/// hostname, working directory, user and environment, the shell as `--entrypoint`, caches as
/// bind mounts, secrets as read-only bind mounts of files and, for `(network NAME…)`, those
/// networks (none named: Docker's default network, as OBuilder).
///
/// Cancelling the calling task removes the container (`docker rm --force`), which kills
/// everything in it.
public final class DockerSandbox: Sandbox {
    public let docker: DockerClient
    public let options: DockerSandboxOptions
    /// Where the sandbox writes secret files for the containers that mount them.
    public let stateDirectory: String

    /// Creates the sandbox and removes the files a previous process left in `stateDirectory`.
    public init(
        stateDirectory: String,
        docker: DockerClient = DockerClient(),
        options: DockerSandboxOptions = DockerSandboxOptions()
    ) async throws(OBuilderError) {
        self.stateDirectory = OBuilderFileSystem.absolute(stateDirectory)
        self.docker = docker
        self.options = options
        try OBuilderFileSystem.makeDirectories(self.stateDirectory, mode: 0o700)
        for leftover in try OBuilderFileSystem.listDirectory(self.stateDirectory) {
            try await OBuilderFileSystem.removeTree(self.stateDirectory + "/" + leftover)
        }
    }

    /// Checks that the Docker engine answers; returns its version.
    public func version() async throws(OBuilderError) -> String {
        try await docker.check(["version", "--format", "{{.Server.Version}}"], code: .sandbox)
    }

    public func run(
        _ config: SandboxConfig,
        rootfs: String,
        stdin: (@Sendable (Int32) -> Void)?,
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> Int32 {
        if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
        guard let image = DockerSnapshotBackend.image(inRootfs: rootfs), let first = config.arguments.first else {
            throw OBuilderError(
                .sandbox,
                "The Docker sandbox runs commands only on the snapshots of a docker: store (given \(rootfs))"
            )
        }
        let container = DockerSnapshotBackend.container(forImage: image)
        // A container of a run that was killed with its worker would block the name.
        _ = try await docker.run(["rm", "--force", "--", container])
        let secrets = try OBuilderFileSystem.makeTemporaryDirectory(in: stateDirectory, prefix: "run-")
        do throws(OBuilderError) {
            var arguments = ["run", "--name", container] + (stdin == nil ? [] : ["--interactive"])
            arguments += options.runArguments
            arguments += [
                "--hostname", config.hostname, "--workdir", config.workingDirectory, "--entrypoint", first,
                "--user", "\(config.uid):\(config.gid)",
            ]
            arguments += config.environment.flatMap { ["--env", $0] }
            arguments += config.mounts.flatMap { mount in
                ["--mount", "type=bind,src=\(mount.source),dst=\(mount.target)" + (mount.readOnly ? ",readonly" : "")]
            }
            for (index, secret) in config.secrets.enumerated() {
                let path = secrets + "/secret-\(index)"
                try OBuilderFileSystem.writeFile(path, secret.value, mode: 0o644)
                arguments += ["--mount", "type=bind,src=\(path),dst=\(secret.target),readonly"]
            }
            arguments += config.network.flatMap { ["--network", $0] }
            arguments += [image] + config.arguments.dropFirst()
            let status = try await runContainer(arguments, container: container, stdin: stdin, output: output)
            if status == 0 { try await docker.check(["commit", "--", container, image], code: .sandbox) }
            _ = try await docker.run(["rm", "--force", "--", container])
            try await OBuilderFileSystem.removeTree(secrets)
            return status
        } catch {
            _ = try? await docker.run(["rm", "--force", "--", container])
            try? await OBuilderFileSystem.removeTree(secrets)
            throw error
        }
    }

    /// Runs `docker run ARGUMENTS…` and returns the container's exit status.
    private func runContainer(
        _ arguments: [String],
        container: String,
        stdin: (@Sendable (Int32) -> Void)?,
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> Int32 {
        let child: ChildProcess
        do {
            child = try ChildProcess.start(
                docker.command(arguments, standardInput: stdin.map { .writer($0) } ?? .none),
                standardOutput: .lines(output),
                standardError: .sameAsStandardOutput
            )
        } catch {
            throw OBuilderError(.sandbox, "cannot run \(docker.executable): \(error.message)", cause: error)
        }
        let docker = self.docker
        let status = await withTaskCancellationHandler {
            await child.finish(onCancel: .ignore).termination.shellStatus
        } onCancel: {
            Self.removeContainer(container, docker: docker, child: child)
        }
        if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
        return status
    }

    /// Removes the container from a thread of its own, retrying until `docker run` has exited
    /// (the container may not exist yet when cancellation arrives); if the client itself does
    /// not exit within a few seconds, it is killed.
    private static func removeContainer(_ container: String, docker: DockerClient, child: ChildProcess) {
        BlockingThread.detach {
            var attempts = 0
            while !child.hasExited {
                if let remover = try? ChildProcess.start(docker.command(["rm", "--force", "--", container])) {
                    _ = remover.finishBlocking()
                }
                attempts += 1
                if attempts > 50 { child.kill() }
                usleep(100_000)
            }
        }
    }
}
