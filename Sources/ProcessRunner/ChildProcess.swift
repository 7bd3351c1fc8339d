// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A running child process: the one way this project starts programs.
///
/// ``start(_:standardOutput:standardError:)`` spawns the command with `posix_spawn`. The child
/// gets exactly its standard input, output and error: every other descriptor of this process is
/// closed in the child (`posix_spawn_file_actions_addclosefrom_np`), so a build never holds the
/// worker's scheduler connection, a pipe of another child or a database file. By default it
/// leads a process group of its own and ``kill()`` kills the whole group.
///
/// One thread per child (see ``BlockingThread``) feeds its input, copies its output to where
/// ``Output`` says, notices its exit (through a pidfd) and, once its output is closed, reaps
/// it. A child is reaped only after its output reaches end-of-file: until then its zombie keeps
/// the process group id reserved, so ``kill()`` can still reach background processes it left
/// holding the pipe, and never a stranger that reused the id.
public final class ChildProcess: Sendable {
    /// Where a child's standard output or standard error goes.
    public enum Output: Sendable {
        /// `/dev/null`.
        case discard
        /// This process's own descriptor (the terminal, for an interactive command).
        case inherit
        /// Kept in memory and returned in ``Outcome``.
        case collect
        /// Handed to a function as it arrives, in chunks of any size, on the child's thread.
        case chunks(@Sendable ([UInt8]) -> Void)
        /// Handed to a function a line at a time (without its newline), on the child's thread. A
        /// last line without a newline comes at end-of-file; a line longer than
        /// ``LineSplitter/maximumLineLength`` bytes comes in pieces.
        case lines(@Sendable (String) -> Void)
        /// A descriptor of the caller's; the caller keeps it and closes it after the start.
        case fileDescriptor(Int32)
        /// For standard error only: the same destination as standard output, through the same
        /// descriptor, so the two keep the order in which they were written (`2>&1`).
        case sameAsStandardOutput
    }

    /// What a task cancelled while it waits in ``finish(onCancel:)`` does to the child.
    public enum Cancellation: Sendable, Hashable {
        /// Kill it (and its process group): the task no longer wants its result.
        case kill
        /// Let it run to the end: clean-up commands must finish even in a cancelled task.
        case ignore
    }

    /// How a child ended and what it wrote.
    public struct Outcome: Sendable {
        public var termination: Termination
        /// What it wrote to standard output, if that was ``Output/collect``ed.
        public var standardOutput: [UInt8]
        /// What it wrote to standard error, if that was ``Output/collect``ed.
        public var standardError: [UInt8]
        /// Whether ``kill()`` reached it before it was reaped.
        public var wasKilled: Bool
    }

    struct State {
        var exited = false
        var reaped = false
        var killed = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var outcome: Outcome?
        var outcomeWaiters: [CheckedContinuation<Outcome, Never>] = []
        var blockedThreads: [DispatchSemaphore] = []
    }

    /// The child's process id (also its process group id when it leads a group).
    public let pid: pid_t
    /// What was started.
    public let command: Command
    /// A pidfd for the child, or -1 where the kernel or C library has none.
    let pidfd: Int32
    let state = Mutex(State())

    init(pid: pid_t, pidfd: Int32, command: Command) {
        self.pid = pid
        self.pidfd = pidfd
        self.command = command
    }

    /// Whether the child has exited (it may not be reaped yet).
    public var hasExited: Bool { state.withLock { $0.exited } }

    /// Whether ``kill()`` reached the child before it was reaped.
    public var wasKilled: Bool { state.withLock { $0.killed } }

    /// Sends `signal` to the child's process group (or to the child alone, when it does not
    /// lead one), unless it has been reaped: its id may belong to someone else by then.
    ///
    /// - Returns: whether the signal was sent.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        state.withLock { state in
            guard !state.reaped else { return false }
            if signal == SIGKILL { state.killed = true }
            return sendSignal(command.newProcessGroup ? -pid : pid, signal) == 0
        }
    }

    /// Kills the child's process group (or the child alone) with `SIGKILL`; see ``signal(_:)``.
    public func kill() {
        signal(SIGKILL)
    }

    /// Returns once the child has exited, before its output is necessarily complete, for a
    /// caller that must clean up after it (a container that outlives `runc`) before the output
    /// can end. Where no pidfd is available it returns when ``finish(onCancel:)`` would.
    /// Cancelling the task does not stop the wait.
    public func exited() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.exited { return true }
                state.exitWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Waits until the child's output is complete and it has exited, reaps it and says how it
    /// ended.
    ///
    /// - Parameter onCancel: what cancelling the calling task does to the child.
    public func finish(onCancel: Cancellation = .kill) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let outcome: Outcome? = state.withLock { state in
                    if let outcome = state.outcome { return outcome }
                    state.outcomeWaiters.append(continuation)
                    return nil
                }
                if let outcome { continuation.resume(returning: outcome) }
            }
        } onCancel: {
            if onCancel == .kill { kill() }
        }
    }

    /// Blocks the calling thread until ``finish(onCancel:)`` would return, for code that already
    /// runs on a thread of its own (see ``BlockingThread``). Never call it from a task.
    public func finishBlocking() -> Outcome {
        let semaphore = DispatchSemaphore(value: 0)
        if let outcome = state.withLock({ state in
            if state.outcome == nil { state.blockedThreads.append(semaphore) }
            return state.outcome
        }) {
            return outcome
        }
        semaphore.wait()
        return state.withLock { $0.outcome! }
    }

    /// Records the exit and wakes ``exited()``'s waiters. Idempotent.
    func markExited() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard !state.exited else { return [] }
            state.exited = true
            defer { state.exitWaiters = [] }
            return state.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for the exit (if the pidfd has not shown it yet), then reaps the child. Blocks.
    func reap(output: [UInt8], error: [UInt8]) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
        markExited()
        // From here on no signal may be sent: after waitpid the id is free for reuse.
        let killed = state.withLock { state in
            state.reaped = true
            return state.killed
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        if pidfd >= 0 { close(pidfd) }
        let outcome = Outcome(
            termination: Termination(waitStatus: status),
            standardOutput: output,
            standardError: error,
            wasKilled: killed
        )
        let (waiters, threads) = state.withLock { state in
            state.outcome = outcome
            defer {
                state.outcomeWaiters = []
                state.blockedThreads = []
            }
            return (state.outcomeWaiters, state.blockedThreads)
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
        for thread in threads { thread.signal() }
    }
}

/// `kill(2)`, under a name the methods above do not shadow.
private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 { kill(pid, signal) }
