// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// scheduler-bench: the scheduler daemon, Swift or OCaml, measured as users run it (see Driver).
//
//   scheduler-bench run --scheduler NAME=PATH [...]   the driver (scripts/scheduler-bench.sh)
//   scheduler-bench pool [--workers N] [--queued N,N] [--hints N] [--assignments N]
//                                                      the scheduling algorithm alone
//   scheduler-bench workers | client | idle ...        the driver's child processes

import Foundation

/// `--flag value` pairs of a child process's command line.
func childOptions(_ arguments: ArraySlice<String>) throws -> [String: String] {
    var options: [String: String] = [:]
    var rest = arguments
    while let flag = rest.popFirst() {
        guard flag.hasPrefix("--"), let value = rest.popFirst() else { throw BenchFailure("bad option \(flag)") }
        options[String(flag.dropFirst(2))] = value
    }
    return options
}

func required(_ options: [String: String], _ key: String) throws -> String {
    guard let value = options[key] else { throw BenchFailure("--\(key) is missing") }
    return value
}

func count(_ options: [String: String], _ key: String, _ fallback: Int) throws -> Int {
    guard let text = options[key] else { return fallback }
    guard let value = Int(text), value >= 0 else { throw BenchFailure("--\(key) needs a count") }
    return value
}

func main() async -> Int32 {
    let arguments = CommandLine.arguments.dropFirst()
    do {
        switch arguments.first {
        case "run":
            try await Driver(options: try DriverOptions(parsing: Array(arguments.dropFirst()))).run()
        case "pool":
            let options = try childOptions(arguments.dropFirst())
            let workers = try count(options, "workers", 1000)
            let hints = try count(options, "hints", 1000)
            let assignments = try count(options, "assignments", 200_000)
            for queued in (options["queued"] ?? "1000,100000").split(separator: ",").compactMap({ Int($0) }) {
                let rate = PoolBenchmark.run(workers: workers, queued: queued, hints: hints, assignments: assignments)
                print(
                    "pool: workers=\(workers) queued=\(queued) "
                        + String(format: "%.0f assignments/s, %.2f µs per decision", rate, 1e6 / rate)
                )
            }
        case "workers":
            let options = try childOptions(arguments.dropFirst())
            try await SimulatedWorkers(
                pool: try required(options, "pool"),
                connections: try count(options, "connections", 10),
                workers: try count(options, "workers", 100),
                first: try count(options, "first", 0),
                keys: options["keys"]
            ).run()
        case "client":
            let options = try childOptions(arguments.dropFirst())
            try await SimulatedClients(
                submission: try required(options, "submission"),
                pool: options["pool"] ?? "bench",
                hints: max(1, try count(options, "hints", 1000)),
                window: max(1, try count(options, "window", 1000)),
                name: options["name"] ?? "bench",
                keys: options["keys"]
            ).run()
        case "idle":
            let options = try childOptions(arguments.dropFirst())
            try await IdleConnections(
                pool: try required(options, "pool"),
                submission: try required(options, "submission"),
                connections: try count(options, "connections", 100),
                first: try count(options, "first", 0),
                concurrency: try count(options, "concurrency", 50)
            ).run()
        default:
            print(DriverOptions.usage)
            return 2
        }
        return 0
    } catch {
        FileHandle.standardError.write(Data("scheduler-bench: \(error)\n".utf8))
        return 1
    }
}

exit(await main())
