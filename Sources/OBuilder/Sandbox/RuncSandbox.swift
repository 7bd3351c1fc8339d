// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs one command in a runc container on a given root file system.
///
/// Each run gets a fresh bundle (config.json, /etc/hosts, secret files) under the state
/// directory and a unique container id. Output (standard output and error through one pipe, as
/// OBuilder does) is streamed line by line as it arrives.
/// Cancelling the calling task kills the container (`runc kill … KILL`, then `runc delete
/// --force`): the container has its own pid namespace, so killing its init kills every process
/// in it, and nothing is left running.
public final class RuncSandbox: Sandbox {
    /// Where runc keeps container state and this sandbox keeps bundles.
    public let stateDirectory: String
    /// The runc executable (a path, or a name looked up in PATH).
    public let runc: String
    /// Limits and `--fast-sync`, for every step.
    public let options: RuncOptions
    /// This machine's seccomp architectures.
    let architectures: [String]
    /// Container ids must be unique on the machine, not just per sandbox: runc names each
    /// container's cgroups after its id, whatever its state directory.
    private static let counter = Mutex(0)
    private static let instance = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    /// Creates the sandbox and removes containers and bundles a previous process left behind.
    ///
    /// - Parameter stateDirectory: made absolute, since runc runs in the bundle's directory.
    public init(
        stateDirectory: String,
        runc: String = "runc",
        options: RuncOptions = RuncOptions()
    ) async throws(OBuilderError) {
        self.stateDirectory = OBuilderFileSystem.absolute(stateDirectory)
        self.runc = runc
        self.options = options
        var names = utsname()
        _ = uname(&names)
        let machine = withUnsafeBytes(of: names.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        architectures = RuncOptions.architectures(machine: machine)
        let root = self.stateDirectory + "/runc"
        let bundles = self.stateDirectory + "/bundles"
        try OBuilderFileSystem.makeDirectories(root)
        try OBuilderFileSystem.makeDirectories(bundles)
        // A killed worker's containers run on until now: `delete --force` kills them.
        for leftover in try OBuilderFileSystem.listDirectory(root) {
            _ = try? await HelperCommand.run([runc, "--root", root, "delete", "--force", leftover])
        }
        for leftover in try OBuilderFileSystem.listDirectory(bundles) {
            try await OBuilderFileSystem.removeTree(bundles + "/" + leftover)
        }
    }

    /// Checks that runc can be found and runs.
    public func version() async throws(OBuilderError) -> String {
        let result = try await HelperCommand.run([runc, "--version"])
        guard result.status == 0 else {
            throw OBuilderError(.sandbox, "\(runc) --version failed: \(HelperCommand.trimmed(result.output))")
        }
        return result.output.split(separator: "\n").first.map(String.init) ?? ""
    }

    public func run(
        _ config: SandboxConfig,
        rootfs: String,
        stdin: (@Sendable (Int32) -> Void)?,
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> Int32 {
        if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
        let number = Self.counter.withLock { value in
            value += 1
            return value
        }
        let id = "obuilder-\(getpid())-\(Self.instance)-\(number)"
        let bundle = stateDirectory + "/bundles/" + id
        try OBuilderFileSystem.makeDirectory(bundle, mode: 0o700)
        do throws(OBuilderError) {
            let status = try await runInBundle(
                config,
                id: id,
                bundle: bundle,
                rootfs: rootfs,
                stdin: stdin,
                output: output
            )
            try await OBuilderFileSystem.removeTree(bundle)
            return status
        } catch {
            try? await OBuilderFileSystem.removeTree(bundle)
            throw error
        }
    }

    private func runInBundle(
        _ config: SandboxConfig,
        id: String,
        bundle: String,
        rootfs: String,
        stdin: (@Sendable (Int32) -> Void)?,
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> Int32 {
        try OBuilderFileSystem.writeFile(bundle + "/hosts", "127.0.0.1 localhost \(config.hostname)\n")
        // In a user namespace, runc mounts the bundle's files as the mapped root: let it in.
        let users = options.userNamespace
        if users != nil {
            _ = chmod(bundle, 0o711)
            for path in [rootfs] + config.mounts.map(\.source) { Self.allowTraversal(to: path) }
        }
        var secretFiles: [String] = []
        for (index, secret) in config.secrets.enumerated() {
            let path = bundle + "/secret-\(index)"
            try OBuilderFileSystem.writeFile(path, secret.value, mode: 0o600)
            if let users, chown(path, users.uidStart, users.gidStart) != 0 {
                throw OBuilderError(
                    .sandbox,
                    "cannot hand \(path) to the user namespace: \(OBuilderFileSystem.errorText())"
                )
            }
            secretFiles.append(path)
        }
        let json = try RuncConfig.make(
            config,
            rootfs: rootfs,
            hostsFile: bundle + "/hosts",
            secretFiles: secretFiles,
            options: options,
            architectures: architectures
        )
        try OBuilderFileSystem.writeFile(bundle + "/config.json", json.serialized + "\n", mode: 0o600)

        let runcRoot = stateDirectory + "/runc"
        let command = Command(
            label: "runc",
            [runc, "--root", runcRoot, "run", "--bundle", bundle, id],
            environment: .exactly(HelperCommand.environment),
            workingDirectory: bundle,
            standardInput: stdin.map { .writer($0) } ?? .none
        )
        let child: ChildProcess
        do {
            child = try ChildProcess.start(
                command,
                standardOutput: .lines(output),
                standardError: .sameAsStandardOutput
            )
        } catch {
            throw OBuilderError(.sandbox, error.message)
        }
        let status = await withTaskCancellationHandler {
            await child.exited()
            // Whatever happened, make sure the container is gone before waiting for end-of-file:
            // a container outliving runc would otherwise hold the pipe open.
            _ = try? await HelperCommand.run([runc, "--root", runcRoot, "delete", "--force", id])
            // The container is killed below, through runc, rather than runc's group directly.
            return await child.finish(onCancel: .ignore).termination.shellStatus
        } onCancel: {
            Self.killContainer(id, runc: runc, root: runcRoot, child: child)
        }
        if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
        return status
    }

    /// Lets anyone through the directories above `path` (adds the others' search bit where it is
    /// missing): a user namespace's root is nobody special on the host, and runc mounts the root
    /// file system and caches as that user. Nothing becomes listable or readable.
    static func allowTraversal(to path: String) {
        var directory = OBuilderFileSystem.parent(of: path)
        while directory != "/" && directory != "." {
            var info = stat()
            if stat(directory, &info) == 0, info.st_mode & S_IXOTH == 0 {
                _ = chmod(directory, (info.st_mode & 0o7777) | S_IXOTH)
            }
            directory = OBuilderFileSystem.parent(of: directory)
        }
    }

    /// Kills the container from a thread of its own, retrying until `runc run` has exited (the
    /// container may not exist yet when cancellation arrives). If runc itself does not exit within
    /// a few seconds, its process group is killed; `runc delete --force` then removes what is left.
    private static func killContainer(_ id: String, runc: String, root: String, child: ChildProcess) {
        BlockingThread.detach {
            var attempts = 0
            while !child.hasExited {
                let kill = Command(
                    label: "runc kill",
                    [runc, "--root", root, "kill", id, "KILL"],
                    environment: .exactly(HelperCommand.environment)
                )
                if let killer = try? ChildProcess.start(kill) { _ = killer.finishBlocking() }
                attempts += 1
                // runc itself is stuck: kill its process group (the runner never signals a
                // reaped process, whose id could belong to someone else by then).
                if attempts > 100 { child.kill() }
                usleep(50_000)
            }
        }
    }
}
