// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import Foundation
import OClusterScheduler

/// `ocluster-scheduler bench`: not shown in `--help`; prints benchmark figures (build with `-c release`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-scheduler bench",
        abstract: "Benchmark the scheduling algorithm and the RPC services (release builds only make sense)."
    )

    @Option(help: "Simulated workers.") var workers = 1000
    @Option(help: "Queue lengths to compare, comma-separated.") var queued = "1000,100000"
    @Option(help: "Distinct cache hints.") var hints = 1000
    @Option(help: "Assignments measured per run.") var assignments = 100_000
    @Option(help: "Assignments measured per RPC run.") var rpcAssignments = 20000
    @Option(help: "Worker connections for the RPC runs.") var connections = 10
    @Flag(help: "Only the pool algorithm.") var poolOnly = false
    @Flag(help: "Only the RPC runs.") var rpcOnly = false
    @Flag(help: .hidden) var serve = false
    @Option(help: "Command that starts the RPC runs' scheduler process, space-separated (e.g. under a profiler).")
    var serverCommand: String?

    /// This program's path, to start the benchmark's scheduler process.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func run() async throws {
        if serve { return try await SchedulerBenchmark.serve() }
        let sizes = queued.split(separator: ",").compactMap { Int($0) }
        for size in sizes where !rpcOnly {
            print(SchedulerBenchmark.pool(workers: workers, queued: size, hints: hints, assignments: assignments))
        }
        if !rpcOnly {
            let grown = try await SchedulerBenchmark.memory(workers: workers, queued: sizes.max() ?? 0, hints: hints)
            print("memory: workers=\(workers) queued=\(sizes.max() ?? 0) scheduler state RSS growth \(Int(grown)) MiB")
        }
        guard !poolOnly else { return }
        for size in sizes {
            let result = try await SchedulerBenchmark.rpc(
                workers: workers,
                queued: size,
                hints: hints,
                connections: connections,
                assignments: rpcAssignments,
                serverCommand: serverCommand.map { $0.split(separator: " ").map(String.init) }
                    ?? [Self.executable, "bench", "--serve"]
            )
            print(result)
        }
    }
}
