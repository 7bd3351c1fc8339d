// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Logging
import ProcessRunner

/// Subprocesses of jobs: their output goes to the job's log and the job's ``CancelSwitch``
/// kills them.
///
/// Each child runs in a process group of its own, with standard output and standard error both
/// going to the log through one pipe (as ocluster does). Turning off the switch or cancelling
/// the calling task kills the whole group with SIGKILL, so a cancelled build leaves no
/// processes behind.
extension ChildProcess {
    static let jobLogger = Logger(label: "ocluster.worker.process")

    /// Runs `command`, copying its output to `log`, and says how it ended.
    ///
    /// - Parameters:
    ///   - command: what to run.
    ///   - log: where standard output and standard error go (`nil` discards them).
    ///   - cancel: the job's switch; turning it off kills the process group.
    /// - Throws: ``WorkerErrorCode/cancelled`` if the switch was turned off (or the task was
    ///   cancelled) while it ran, ``WorkerErrorCode/commandFailed`` if it could not start.
    public static func run(_ command: Command, log: LogData?, cancel: CancelSwitch?) async throws -> Termination {
        let output: Output = log.map { log in .chunks { log.write($0) } } ?? .discard
        return try await execute(command, standardOutput: output, standardError: .sameAsStandardOutput, cancel: cancel)
            .termination
    }

    /// Runs `command` and fails unless it exits with status 0 (ocluster's `check_call`).
    ///
    /// - Throws: ``WorkerErrorCode/commandFailed`` with `"<label> failed with exit-code N"`,
    ///   or ``WorkerErrorCode/cancelled``.
    public static func check(_ command: Command, log: LogData?, cancel: CancelSwitch?) async throws {
        try require(try await run(command, log: log, cancel: cancel), of: command)
    }

    /// Runs `command` and returns its standard output; standard error goes to `log`.
    ///
    /// - Throws: as ``check(_:log:cancel:)``.
    public static func output(
        _ command: Command,
        log: LogData? = nil,
        cancel: CancelSwitch? = nil
    ) async throws -> String {
        let errors: Output = log.map { log in .chunks { log.write($0) } } ?? .discard
        let outcome = try await execute(command, standardOutput: .collect, standardError: errors, cancel: cancel)
        try require(outcome.termination, of: command)
        return String(decoding: outcome.standardOutput, as: UTF8.self)
    }

    /// Fails unless `termination` is a zero exit, with ocluster's wording.
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

    private static func execute(
        _ command: Command,
        standardOutput: Output,
        standardError: Output,
        cancel: CancelSwitch?
    ) async throws -> Outcome {
        try cancel?.check()
        jobLogger.info("Exec(\(command.label)): \(command)")
        let child: ChildProcess
        do {
            child = try start(command, standardOutput: standardOutput, standardError: standardError)
        } catch {
            throw WorkerError(.commandFailed, "\(command.label): \(error.message)", cause: error)
        }
        let hook = cancel?.onTurnOff { child.kill() }
        defer { cancel?.remove(hook) }
        let outcome = await child.finish(onCancel: .kill)
        if outcome.wasKilled {
            throw WorkerError(.cancelled, "\(command.label) was cancelled")
        }
        return outcome
    }
}
