// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Foundation
import OClusterAPI
import ProcessRunner

extension AdminSession {
    /// `pause`/`unpause POOL [WORKER]` with `--all`, `--auto-create` and (pause only) `--wait`.
    public func setActive(
        active: Bool,
        pool: String,
        worker: String?,
        all: Bool,
        autoCreate: Bool,
        wait: Bool
    )
        async throws
    {
        let poolAdmin = await self.pool(pool)
        if let worker {
            _ = try await poolAdmin.setActive(worker: worker, active: active, autoCreate: autoCreate)
            if wait { try await drain(poolAdmin, [worker]) }
            out("Success.")
            return
        }
        let workers = try await self.workers(pool: pool)
        guard !workers.isEmpty else {
            out("No workers connected to pool (nothing to do).")
            return
        }
        guard all else {
            err("Specify which worker you want to affect (or use --all).\nCandidates are:")
            for info in workers { err(describeWorker(info)) }
            throw AdminFailure("")
        }
        var todo: [String] = []
        for info in workers {
            if info.active == active {
                out("(worker \(ocamlQuoted(info.name)) is already done)")
            } else {
                todo.append(info.name)
            }
        }
        guard !todo.isEmpty else {
            out("Nothing to do.")
            return
        }
        out("Updating \(todo.joined(separator: ", "))…")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in todo {
                group.addTask { _ = try await poolAdmin.setActive(worker: name, active: active, autoCreate: false) }
            }
            try await group.waitForAll()
        }
        if wait { try await drain(poolAdmin, todo) }
        out("Success.")
    }

    private func drain(_ poolAdmin: PoolAdmin.Client, _ workers: [String]) async throws {
        out("Waiting for jobs to finish…")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in workers {
                group.addTask {
                    let progress = OClusterAPI.Progress.client(PrintProgress(label: name, out: out))
                    _ = try await poolAdmin.drain(worker: name, progress: progress)
                }
            }
            try await group.waitForAll()
        }
    }

    /// `update POOL [WORKER]`: one worker, or a canary then all other connected workers in parallel.
    public func update(pool: String, worker: String?) async throws {
        let poolAdmin = await self.pool(pool)
        func restart(_ name: String) async throws {
            let progress = OClusterAPI.Progress.client(PrintProgress(label: name, out: out))
            _ = try await poolAdmin.update(worker: name, progress: progress)
        }
        if let worker {
            do {
                try await restart(worker)
            } catch {
                out(AdminFailure(error).message)
                throw AdminFailure("")
            }
            out("Restarted")
            return
        }
        let workers = try await self.workers(pool: pool)
        let connected = workers.filter(\.connected)
        let disconnected = workers.filter { !$0.connected }
        guard let canary = connected.first else { throw AdminFailure("No workers connected to pool!") }
        out("Testing update on first worker in pool: \(ocamlQuoted(canary.name))")
        do {
            try await restart(canary.name)
        } catch {
            out(AdminFailure(error).message)
            throw AdminFailure("")
        }
        let others = connected.dropFirst().map(\.name)
        out("Canary updated OK. Updating the others: [\(others.joined(separator: " "))]")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in others {
                group.addTask {
                    do {
                        try await restart(name)
                        out("\(ocamlQuoted(name)) restarted OK.")
                    } catch {
                        out("\(ocamlQuoted(name)): \(AdminFailure(error).message)")
                        throw AdminFailure("Failed update(s)")
                    }
                }
            }
            try await group.waitForAll()
        }
        out("All pool workers restarted.")
        if !disconnected.isEmpty {
            out("WARNING: disconnected workers not updated:\n  " + disconnected.map(\.name).joined(separator: "\n  "))
        }
    }

    /// `forget POOL [WORKER]`; without a worker, lists candidates (disconnected ones first) and fails.
    public func forget(pool: String, worker: String?) async throws {
        if let worker {
            do {
                _ = try await self.pool(pool).forget(worker: worker)
            } catch {
                out(AdminFailure(error).message)
                throw AdminFailure("")
            }
            return
        }
        let workers = try await self.workers(pool: pool)
        guard !workers.isEmpty else { throw AdminFailure("No workers in pool!") }
        let disconnected = workers.filter { !$0.connected }
        err("Specify which worker you want to forget.\nCandidates are:")
        for info in disconnected.isEmpty ? workers : disconnected { err(describeWorker(info)) }
        throw AdminFailure("")
    }

    /// `exec POOL CMD…`: runs CMD once per known worker, in parallel, with each `{}` argument replaced by
    /// the worker's name; fails if any run fails.
    public func exec(pool: String, command: [String]) async throws {
        guard let program = command.first else { throw AdminFailure("No command given") }
        let names = try await workers(pool: pool).map(\.name)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in names {
                let arguments = command.dropFirst().map { $0 == "{}" ? name : $0 }
                let executable = program == "{}" ? name : program
                group.addTask { try await runProcess(executable, Array(arguments)) }
            }
            try await group.waitForAll()
        }
    }
}

/// Prints `label: status` for each progress report.
struct PrintProgress: OClusterAPI.Progress.Server {
    let label: String
    let out: @Sendable (String) -> Void

    func report(
        _ params: OClusterAPI.Progress.ReportParams.Reader,
        _ results: OClusterAPI.Progress.ReportResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        out("\(label): \(try params.status)")
    }
}

/// Runs a program found on `PATH` and waits for it, on this terminal (its input, output and
/// process group); a non-zero exit is an ``AdminFailure``.
func runProcess(_ program: String, _ arguments: [String]) async throws {
    let command = Command(
        label: program,
        ["/usr/bin/env", program] + arguments,
        environment: .inherited(adding: [:]),
        standardInput: .inherit,
        newProcessGroup: false
    )
    let outcome: ChildProcess.Outcome
    do {
        // Like the other workers' runs, this one goes on if a sibling fails.
        outcome = try await ChildProcess.run(
            command,
            standardOutput: .inherit,
            standardError: .inherit,
            onCancel: .ignore
        )
    } catch {
        throw AdminFailure("Cannot run \(program): \(error)")
    }
    switch outcome.termination {
    case .exited(0):
        return
    case .exited(let status):
        throw AdminFailure("Sub-process failed with exit code \(status)")
    case .signalled(let signal):
        throw AdminFailure("Sub-process failed with signal \(signal)")
    }
}

/// `"text"` as OCaml's `%S` prints names.
func ocamlQuoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
