// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs subprocesses for jobs, streaming their output into a job log.
///
/// Each child runs in a process group of its own, with standard output and standard error
/// both going to the log (as ocluster does). Turning off the job's ``CancelSwitch`` or
/// cancelling the calling task kills the whole group with SIGKILL, so a cancelled build leaves
/// no processes behind. The blocking parts (reading pipes, waiting for the child) run on a
/// dedicated thread, never on the concurrency pool.
public enum ChildProcess {
    static let logger = Logger(label: "ocluster.worker.process")

    /// Runs `command`, copying its output to `log`, and says how it ended.
    ///
    /// - Parameters:
    ///   - command: what to run.
    ///   - log: where standard output and standard error go (`nil` discards them).
    ///   - cancel: the job's switch; turning it off kills the process group.
    /// - Throws: ``WorkerError/Code/cancelled`` if the switch was turned off (or the task was
    ///   cancelled) while it ran, ``WorkerError/Code/commandFailed`` if it could not start.
    public static func run(_ command: Command, log: LogData?, cancel: CancelSwitch?) async throws -> Termination {
        let result = try await execute(command, output: log.map { .log($0) } ?? .discard, cancel: cancel)
        return result.termination
    }

    /// Runs `command` and fails unless it exits with status 0 (ocluster's `check_call`).
    ///
    /// - Throws: ``WorkerError/Code/commandFailed`` with `"<label> failed with exit-code N"`,
    ///   or ``WorkerError/Code/cancelled``.
    public static func check(_ command: Command, log: LogData?, cancel: CancelSwitch?) async throws {
        try Self.require(try await run(command, log: log, cancel: cancel), of: command)
    }

    /// Runs `command` and returns its standard output; standard error goes to `log`.
    ///
    /// - Throws: as ``check(_:log:cancel:)``.
    public static func output(
        _ command: Command,
        log: LogData? = nil,
        cancel: CancelSwitch? = nil
    ) async throws -> String {
        let result = try await execute(command, output: .capture(stderr: log), cancel: cancel)
        try Self.require(result.termination, of: command)
        return String(decoding: result.captured, as: UTF8.self)
    }

    static func require(_ termination: Termination, of command: Command) throws {
        switch termination {
        case .exited(0):
            return
        case .exited(let status):
            throw WorkerError(.commandFailed, "\(command.label) failed with exit-code \(status)")
        case .signalled(let signal):
            throw WorkerError(.commandFailed, "\(command.label) failed with signal \(signal)")
        }
    }

    // MARK: - Execution

    enum Output {
        case log(LogData)
        case discard
        case capture(stderr: LogData?)
    }

    struct Result: Sendable {
        var termination: Termination
        var captured: [UInt8]
    }

    static func execute(_ command: Command, output: Output, cancel: CancelSwitch?) async throws -> Result {
        try cancel?.check()
        logger.info("Exec(\(command.label)): \(command)")
        let child = try Spawned.start(command, capture: { if case .capture = output { true } else { false } }())
        let hook = cancel?.onTurnOff { child.killGroup() }
        defer { cancel?.remove(hook) }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
                Thread.detachNewThread {
                    continuation.resume(returning: child.pump(output: output, stdin: command.standardInput))
                }
            }
        } onCancel: {
            child.killGroup()
        }
        if child.wasKilled {
            throw WorkerError(.cancelled, "\(command.label) was cancelled")
        }
        return result
    }
}
