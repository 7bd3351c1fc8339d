// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

extension AdminSession {
    /// `pause`/`unpause POOL [WORKER]` with `--all`, `--auto-create` and (pause only) `--wait`.
    public func setActive(
        _ active: Bool,
        pool: String,
        worker: String?,
        all: Bool,
        autoCreate: Bool,
        wait: Bool
    ) async throws(OClusterClientError) {
        let poolAdmin = await self.pool(pool)
        if let worker {
            try await setActive(active, worker: worker, on: poolAdmin, autoCreate: autoCreate)
            if wait { try await drain(poolAdmin, [worker]) }
            output.out("Success.")
            return
        }
        let workers = try await self.workers(of: poolAdmin)
        guard !workers.isEmpty else {
            output.out("No workers connected to pool (nothing to do).")
            return
        }
        guard all else {
            output.err(
                (["Specify which worker you want to affect (or use --all).", "Candidates are:"]
                    + workers.map(\.description)).joined(separator: "\n")
            )
            throw .reported()
        }
        var todo: [String] = []
        for info in workers {
            if info.active == active {
                output.out("(worker \(ocamlQuoted(info.name)) is already done)")
            } else {
                todo.append(info.name)
            }
        }
        guard !todo.isEmpty else {
            output.out("Nothing to do.")
            return
        }
        output.out(OCamlFormat.filled(prefix: "Updating ", items: todo, separator: ",", suffix: "…"))
        try await forEach(todo) { (name: String) async throws(OClusterClientError) in
            try await setActive(active, worker: name, on: poolAdmin, autoCreate: false)
        }
        if wait { try await drain(poolAdmin, todo) }
        output.out("Success.")
    }

    private func setActive(
        _ active: Bool,
        worker: String,
        on poolAdmin: PoolAdmin.Client,
        autoCreate: Bool
    ) async throws(OClusterClientError) {
        _ = try await OClusterClientError.calling("PoolAdmin.setActive") {
            try await poolAdmin.setActive(worker: worker, active: active, autoCreate: autoCreate)
        }
    }

    private func drain(_ poolAdmin: PoolAdmin.Client, _ workers: [String]) async throws(OClusterClientError) {
        output.out("Waiting for jobs to finish…")
        try await forEach(workers) { (name: String) async throws(OClusterClientError) in
            let progress = OClusterAPI.Progress.client(PrintProgress(label: name, output: output))
            _ = try await OClusterClientError.calling("PoolAdmin.drain") {
                try await poolAdmin.drain(worker: name, progress: progress)
            }
        }
    }

    /// `update POOL [WORKER]`: one worker, or a canary then all other connected workers in parallel.
    public func update(pool: String, worker: String?) async throws(OClusterClientError) {
        let poolAdmin = await self.pool(pool)
        // PoolAdmin.update's failure is printed on stdout, without the method, as ocluster does.
        @Sendable func restart(_ name: String) async -> RPCError? {
            let progress = OClusterAPI.Progress.client(PrintProgress(label: name, output: output))
            do {
                _ = try await poolAdmin.update(worker: name, progress: progress)
                return nil
            } catch {
                return RPCError.from(error)
            }
        }
        if let worker {
            if let error = await restart(worker) {
                output.out(error.ocamlDescription)
                throw .reported(cause: error)
            }
            output.out("Restarted")
            return
        }
        let workers = try await self.workers(of: poolAdmin)
        let connected = workers.filter(\.connected)
        let disconnected = workers.filter { !$0.connected }
        guard let canary = connected.first else {
            throw OClusterClientError(.refused, "No workers connected to pool!")
        }
        output.out("Testing update on first worker in pool: \(ocamlQuoted(canary.name))")
        if let error = await restart(canary.name) {
            output.out(error.ocamlDescription)
            throw .reported(cause: error)
        }
        let others = connected.dropFirst().map(\.name)
        output.out(
            OCamlFormat.filled(
                prefix: "Canary updated OK. Updating the others: [",
                items: others,
                separator: "",
                suffix: "]"
            )
        )
        try await forEach(others) { (name: String) async throws(OClusterClientError) in
            if let error = await restart(name) {
                output.out("\(ocamlQuoted(name)): \(error.ocamlDescription)")
                throw OClusterClientError(.call, "Failed update(s)", cause: error)
            }
            output.out("\(ocamlQuoted(name)) restarted OK.")
        }
        output.out("All pool workers restarted.")
        if !disconnected.isEmpty {
            output.out(
                (["WARNING: disconnected workers not updated:"] + disconnected.map(\.name)).joined(separator: "\n  ")
            )
        }
    }

    /// `forget POOL [WORKER]`; without a worker, lists candidates (disconnected ones if any) and fails.
    public func forget(pool: String, worker: String?) async throws(OClusterClientError) {
        let poolAdmin = await self.pool(pool)
        if let worker {
            do {
                _ = try await poolAdmin.forget(worker: worker)
            } catch {
                // Printed on stdout, without the method, as ocluster does.
                output.out(RPCError.from(error).ocamlDescription)
                throw .reported(cause: error)
            }
            return
        }
        let workers = try await self.workers(of: poolAdmin)
        guard !workers.isEmpty else { throw OClusterClientError(.refused, "No workers in pool!") }
        let disconnected = workers.filter { !$0.connected }
        output.err(
            (["Specify which worker you want to forget.", "Candidates are:"]
                + (disconnected.isEmpty ? workers : disconnected).map(\.description)).joined(separator: "\n")
        )
        throw .reported()
    }

    /// Runs `body` for every item at once and waits for all of them (Lwt.join): a failure is
    /// reported once every run has ended, the first one to fail winning.
    func forEach(
        _ items: [String],
        _ body: @escaping @Sendable (String) async throws(OClusterClientError) -> Void
    ) async throws(OClusterClientError) {
        let failure: OClusterClientError? = await withTaskGroup(of: OClusterClientError?.self) { group in
            for item in items {
                group.addTask {
                    do throws(OClusterClientError) {
                        try await body(item)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var first: OClusterClientError?
            for await result in group where first == nil { first = result }
            return first
        }
        if let failure { throw failure }
    }
}

/// Prints `label: status` for each progress report.
struct PrintProgress: OClusterAPI.Progress.Server {
    let label: String
    let output: CommandOutput

    func report(
        _ params: OClusterAPI.Progress.ReportParams.Reader,
        _ results: OClusterAPI.Progress.ReportResults.Builder,
        _ call: ServerCall
    ) async throws {
        output.out("\(label): \(try params.status)")
    }
}
