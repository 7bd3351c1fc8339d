// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, in its own process group, with its standard
/// streams wired to descriptors the caller chooses.
///
/// All descriptors the caller creates for it should be close-on-exec (``OBuilderProcess/pipe()``
/// does that), so that a concurrently spawned process never inherits a pipe's write end and keeps
/// a reader from seeing end-of-file.
struct OBuilderProcess: Sendable {
    /// The child's process id (also its process group id).
    let pid: pid_t

    /// Starts `arguments[0]` (looked up in `PATH` when it has no slash).
    static func spawn(
        _ arguments: [String],
        environment: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        directory: String? = nil,
        stdin: Int32? = nil,
        stdout: Int32? = nil,
        stderr: Int32? = nil
    ) throws(OBuilderError) -> OBuilderProcess {
        guard let executable = arguments.first else {
            throw OBuilderError(.sandbox, "no command to run")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let devNull = "/dev/null"
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, devNull, O_RDONLY, 0)
        }
        if let stdout {
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, devNull, O_WRONLY, 0)
        }
        if let stderr {
            posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, devNull, O_WRONLY, 0)
        }
        if let directory { _ = spawnAddChdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                if executable.contains("/") {
                    posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
                } else {
                    posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
                }
            }
        }
        guard status == 0 else {
            throw OBuilderError(.sandbox, "cannot start \(executable): \(OBuilderFileSystem.errorText(status))")
        }
        return OBuilderProcess(pid: pid)
    }

    /// Waits (on a thread of its own, not the caller's) for the process to exit and reaps it.
    /// Returns the exit status, or 128 + the signal number if a signal ended it.
    ///
    /// `beforeReaping` runs once the process has exited but before it is reaped, while its pid
    /// cannot yet be reused: code that may signal the process can stop doing so safely there.
    func wait(beforeReaping: @escaping @Sendable () -> Void = {}) async -> Int32 {
        await BlockingThread.run { [pid] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
            beforeReaping()
            return Self.blockingWait(pid)
        }
    }

    static func blockingWait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7F
        if signal == 0 { return (status >> 8) & 0xFF }
        return 128 + signal
    }

    /// Runs a command to completion, returning its exit status and combined output.
    static func run(
        _ arguments: [String],
        directory: String? = nil
    ) async throws(OBuilderError) -> (
        status: Int32, output: String
    ) {
        let (readEnd, writeEnd) = try pipe()
        let child: OBuilderProcess
        do throws(OBuilderError) {
            child = try spawn(arguments, directory: directory, stdout: writeEnd, stderr: writeEnd)
        } catch {
            close(readEnd)
            close(writeEnd)
            throw error
        }
        close(writeEnd)
        let output = await BlockingThread.run { readAll(readEnd) }
        close(readEnd)
        let status = await child.wait()
        return (status, String(decoding: output, as: UTF8.self))
    }

    /// Runs a command and throws a ``OBuilderError/Code/store`` error with its output if it fails.
    static func check(_ arguments: [String], directory: String? = nil) async throws(OBuilderError) {
        let result = try await run(arguments, directory: directory)
        guard result.status == 0 else {
            let command = arguments.joined(separator: " ")
            throw OBuilderError(
                .store,
                "\(command) failed with exit status \(result.status): \(result.output.trimmedOutput)"
            )
        }
    }

    /// A close-on-exec pipe: (read end, write end).
    static func pipe() throws(OBuilderError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard makePipe(&fds, O_CLOEXEC) == 0 else {
            throw OBuilderError(.sandbox, "pipe2 failed: \(OBuilderFileSystem.errorText())")
        }
        return (fds[0], fds[1])
    }

    /// Reads a descriptor to end-of-file (blocking).
    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                out += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                return out
            }
        }
    }
}

// Glibc has both (pipe2 since 2.9, addchdir_np since 2.29) but Swift's Glibc module does not
// import them, because they are declared only under _GNU_SOURCE.
@_silgen_name("pipe2")
private func makePipe(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnAddChdir(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>,
    _ path: UnsafePointer<CChar>
) -> Int32

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    /// Command output shortened for an error message: trimmed, at most 2000 characters.
    var trimmedOutput: String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return text.count > 2000 ? String(text.suffix(2000)) : String(text)
    }
}
