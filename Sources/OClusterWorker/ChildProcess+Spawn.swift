// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ChildProcess {
    /// A started child: its pid and the parent's ends of its pipes.
    final class Spawned: Sendable {
        let pid: pid_t
        /// Where the child's merged output (or, when capturing, its standard error) arrives.
        let outputFD: Int32
        /// Where the child's standard output arrives when it is captured separately.
        let captureFD: Int32?
        /// The child's standard input.
        let inputFD: Int32
        private struct State {
            var exited = false
            var killed = false
        }
        private let state = Mutex(State())

        private init(pid: pid_t, outputFD: Int32, captureFD: Int32?, inputFD: Int32) {
            self.pid = pid
            self.outputFD = outputFD
            self.captureFD = captureFD
            self.inputFD = inputFD
        }

        /// Whether ``kill()`` reached the child before it exited.
        var wasKilled: Bool { state.withLock { $0.killed } }

        /// Kills the child's process group, unless the child has already exited.
        func killGroup() {
            state.withLock { state in
                guard !state.exited, !state.killed else { return }
                state.killed = true
                // The child leads its own group; the zombie keeps the group id reserved until reaped.
                _ = kill(-pid, SIGKILL)
            }
        }

        static func start(_ command: Command, capture: Bool) throws -> Spawned {
            _ = ignoreBrokenPipes
            guard let program = command.arguments.first else {
                throw WorkerError(.commandFailed, "\(command.label): empty command line")
            }
            let output = try makePipe()
            let input = try makePipe()
            let captured = capture ? try makePipe() : nil

            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, input.read, 0)
            posix_spawn_file_actions_adddup2(&actions, captured?.write ?? output.write, 1)
            posix_spawn_file_actions_adddup2(&actions, output.write, 2)

            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var noSignals = sigset_t()
            sigemptyset(&noSignals)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigmask(&attributes, &noSignals)
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setpgroup(&attributes, 0)
            let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
            posix_spawnattr_setflags(&attributes, Int16(flags))

            var environment = ProcessInfo.processInfo.environment
            environment.merge(command.environment) { _, new in new }
            let argv = command.arguments.map { strdup($0) } + [nil]
            let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid = pid_t()
            let status = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
            close(output.write)
            close(input.read)
            if let captured { close(captured.write) }
            guard status == 0 else {
                close(output.read)
                close(input.write)
                if let captured { close(captured.read) }
                throw WorkerError(
                    .commandFailed,
                    "\(command.label): cannot run \"\(program)\": \(String(cString: strerror(status)))"
                )
            }
            return Spawned(pid: pid, outputFD: output.read, captureFD: captured?.read, inputFD: input.write)
        }

        /// Writing to a child that closed its input must fail with EPIPE, not kill the worker.
        private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

        private static func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard systemPipe2(&fds, O_CLOEXEC) == 0 else {
                throw WorkerError(.commandFailed, "pipe: \(String(cString: strerror(errno)))")
            }
            return (fds[0], fds[1])
        }

        /// Feeds standard input, copies output until both pipes reach end of file, then reaps
        /// the child. Blocks: run it on a thread of its own.
        func pump(output: Output, stdin: [UInt8]) -> Result {
            writeAll(stdin, to: inputFD)
            close(inputFD)
            var captured: [UInt8] = []
            var open: [Int32] = [outputFD] + (captureFD.map { [$0] } ?? [])
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !open.isEmpty {
                var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                let ready = poll(&polls, nfds_t(polls.count), -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    break
                }
                for entry in polls where entry.revents != 0 {
                    let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                    if count < 0, errno == EINTR || errno == EAGAIN { continue }
                    if count <= 0 {
                        close(entry.fd)
                        open.removeAll { $0 == entry.fd }
                        continue
                    }
                    let chunk = buffer[0..<count]
                    if entry.fd == captureFD {
                        captured.append(contentsOf: chunk)
                    } else {
                        switch output {
                        case .log(let log): log.write(chunk)
                        case .capture(let log): log?.write(chunk)
                        case .discard: break
                        }
                    }
                }
            }
            return Result(termination: reap(), captured: captured)
        }

        private func writeAll(_ bytes: [UInt8], to fd: Int32) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }

        /// Waits for the child to exit, marks it exited (so ``kill()`` stops aiming at its
        /// group), then collects its status.
        private func reap() -> Termination {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            state.withLock { $0.exited = true }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7f
            if signal == 0 { return .exited((status >> 8) & 0xff) }
            return .signalled(signal)
        }
    }
}

/// `pipe2(2)`, which Glibc's module map hides (it needs `_GNU_SOURCE`). Setting close-on-exec
/// atomically matters: a pipe end leaked into a concurrently spawned child would keep the pipe
/// open, and its reader would wait for that unrelated child to exit.
@_silgen_name("pipe2")
private func systemPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
