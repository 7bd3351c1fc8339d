// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs one command in a runc container on a given root file system.
///
/// Each run gets a fresh bundle (config.json, /etc/hosts, secret files) under the state
/// directory and a unique container id. Output is streamed line by line as it arrives.
/// Cancelling the calling task kills the container (`runc kill … KILL`, then `runc delete
/// --force`): the container has its own pid namespace, so killing its init kills every process
/// in it, and nothing is left running.
public final class RuncSandbox: Sendable {
    /// Which stream a line of output came from.
    public enum Stream: Hashable, Sendable {
        case stdout
        case stderr
    }

    /// Where runc keeps container state and this sandbox keeps bundles.
    public let stateDirectory: String
    /// The runc executable (a path, or a name looked up in PATH).
    public let runc: String
    /// Container ids must be unique on the machine, not just per sandbox: runc names each
    /// container's cgroups after its id, whatever its state directory.
    private static let counter = Mutex(0)
    private static let instance = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    /// Creates the sandbox and removes containers and bundles a previous process left behind.
    public init(stateDirectory: String, runc: String = "runc") async throws(OBuilderError) {
        self.stateDirectory = stateDirectory
        self.runc = runc
        try OBuilderFileSystem.makeDirectories(stateDirectory + "/runc")
        try OBuilderFileSystem.makeDirectories(stateDirectory + "/bundles")
        for leftover in try OBuilderFileSystem.listDirectory(stateDirectory + "/runc") {
            _ = try? await OBuilderProcess.run([
                runc, "--root", stateDirectory + "/runc", "delete", "--force", leftover,
            ])
        }
        for leftover in try OBuilderFileSystem.listDirectory(stateDirectory + "/bundles") {
            try await OBuilderFileSystem.removeTree(stateDirectory + "/bundles/" + leftover)
        }
    }

    /// Checks that runc can be found and runs.
    public func version() async throws(OBuilderError) -> String {
        let result = try await OBuilderProcess.run([runc, "--version"])
        guard result.status == 0 else {
            throw OBuilderError(.sandbox, "\(runc) --version failed: \(result.output.trimmedOutput)")
        }
        return result.output.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Runs `config` with `rootfs` as the container's root, calling `output` for each line.
    ///
    /// - Parameter stdin: if given, called on a thread of its own with a socket connected to the
    ///   command's standard input; it should write what it wants and return (the socket is then
    ///   closed). Writes after the command has exited fail with EPIPE rather than raising SIGPIPE.
    /// - Returns: the command's exit status (128 + signal number if a signal killed it).
    /// - Throws: ``OBuilderError/Code/cancelled`` if the task was cancelled, or
    ///   ``OBuilderError/Code/sandbox`` if runc could not be started.
    public func run(
        _ config: SandboxConfig,
        rootfs: String,
        stdin: (@Sendable (Int32) -> Void)? = nil,
        output: @escaping @Sendable (Stream, String) -> Void
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
        output: @escaping @Sendable (Stream, String) -> Void
    ) async throws(OBuilderError) -> Int32 {
        try OBuilderFileSystem.writeFile(bundle + "/hosts", "127.0.0.1 localhost \(config.hostname)\n")
        var secretFiles: [String] = []
        for (index, secret) in config.secrets.enumerated() {
            let path = bundle + "/secret-\(index)"
            try OBuilderFileSystem.writeFile(path, secret.value, mode: 0o600)
            secretFiles.append(path)
        }
        let json = try RuncConfig.make(config, rootfs: rootfs, hostsFile: bundle + "/hosts", secretFiles: secretFiles)
        try OBuilderFileSystem.writeFile(bundle + "/config.json", json.serialized + "\n", mode: 0o600)

        let (outRead, outWrite) = try OBuilderProcess.pipe()
        let (errRead, errWrite) = try OBuilderProcess.pipe()
        var input: (ours: Int32, theirs: Int32)?
        if stdin != nil {
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                for fd in [outRead, outWrite, errRead, errWrite] { close(fd) }
                throw OBuilderError(.sandbox, "socketpair failed: \(OBuilderFileSystem.errorText())")
            }
            input = (pair[0], pair[1])
        }
        let runcRoot = stateDirectory + "/runc"
        let child: OBuilderProcess
        do throws(OBuilderError) {
            child = try OBuilderProcess.spawn(
                [runc, "--root", runcRoot, "run", "--bundle", bundle, id],
                directory: bundle,
                stdin: input?.theirs,
                stdout: outWrite,
                stderr: errWrite
            )
        } catch {
            for fd in [outRead, outWrite, errRead, errWrite, input?.ours ?? -1, input?.theirs ?? -1] where fd >= 0 {
                close(fd)
            }
            throw error
        }
        close(outWrite)
        close(errWrite)
        if let input, let stdin {
            close(input.theirs)
            let ours = input.ours
            BlockingThread.detach {
                stdin(ours)
                close(ours)
            }
        }

        let exited = ExitFlag()
        let status = await withTaskCancellationHandler {
            async let stdoutDone: Void = OutputLineReader.readLines(outRead) { output(.stdout, $0) }
            async let stderrDone: Void = OutputLineReader.readLines(errRead) { output(.stderr, $0) }
            let status = await child.wait(beforeReaping: { exited.set() })
            // Whatever happened, make sure the container is gone before waiting for end-of-file:
            // a container outliving runc would otherwise hold the pipes open.
            _ = try? await OBuilderProcess.run([runc, "--root", runcRoot, "delete", "--force", id])
            await stdoutDone
            await stderrDone
            return status
        } onCancel: {
            Self.killContainer(id, runc: runc, root: runcRoot, child: child, exited: exited)
        }
        if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
        return status
    }

    /// Kills the container from a thread of its own, retrying until `runc run` has exited (the
    /// container may not exist yet when cancellation arrives). If runc itself does not exit within
    /// a few seconds, its process group is killed; `runc delete --force` then removes what is left.
    private static func killContainer(
        _ id: String,
        runc: String,
        root: String,
        child: OBuilderProcess,
        exited: ExitFlag
    ) {
        BlockingThread.detach {
            var attempts = 0
            while !exited.isSet {
                if let killer = try? OBuilderProcess.spawn([runc, "--root", root, "kill", id, "KILL"]) {
                    _ = OBuilderProcess.blockingWait(killer.pid)
                }
                attempts += 1
                if attempts > 100 {
                    // runc itself is stuck: kill its process group, but never after it has been
                    // reaped (its pid could belong to someone else by then).
                    exited.ifRunning { _ = kill(-child.pid, SIGKILL) }
                }
                usleep(50_000)
            }
        }
    }
}

/// Set once `runc run` has exited, read by the thread that keeps trying to kill the container.
private final class ExitFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
    /// Runs `body` with the flag locked, if it is not set yet.
    func ifRunning(_ body: () -> Void) { value.withLock { if !$0 { body() } } }
}
