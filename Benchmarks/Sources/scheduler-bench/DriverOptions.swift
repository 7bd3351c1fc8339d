// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// `scheduler-bench run`'s command line.
struct DriverOptions {
    var schedulers: [SchedulerUnderTest] = []
    var tls = true
    var schedulerFlags: [String] = []
    var workers = 1000
    var workerConnections = 100
    var workerProcesses = 2
    var clients = 4
    var queued = [1000, 100_000]
    var hints = 1000
    var window = 1000
    var pausedFill = 50_000
    var seconds = 10.0
    var warmup = 3.0
    var latencyJobs = 1000
    var runs = 3
    var idleConnections = 0
    var idleProcesses = 4
    var idleConcurrency = 50
    var work: String?
    var keep = false
    var perf: String?
    var workersFirst = false
    /// This program, to start the simulated workers and clients.
    var executable =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? CommandLine.arguments[0]

    static let usage = """
        usage: scheduler-bench run --scheduler NAME=PATH [--scheduler NAME=PATH ...] [options]
          --scheduler NAME=PATH   a scheduler executable to measure (repeat to compare; the first is the
                                  reference of the ratios)
          --disable-tls           start the schedulers with --capnp-disable-tls (default: TLS)
          --scheduler-flag FLAG   another flag for every scheduler (repeatable), e.g. --verbosity=info
          --workers N             simulated workers (1000)
          --worker-connections N  their connections, at least one per process (100)
          --worker-processes N    processes they run in (2)
          --clients N             clients, each in a process of its own, with its own submission cap (4)
          --queued N,N            jobs kept outstanding, one measurement each (1000,100000)
          --hints N               distinct cache hints (1000)
          --window N              submissions in flight at most while a client fills its share (1000)
          --paused-fill N         fill queues of N jobs or more with every worker paused
                                  (`Queue.setActive(false)`), so assignments do not slow the fill (50000)
          --seconds S             measuring window (10)
          --warmup S              wait after the queue is filled, before measuring (3)
          --latency-jobs N        jobs submitted one at a time with every worker idle (1000; 0: none)
          --runs N                runs; each starts every scheduler afresh for each queue length (3)
          --idle-connections N    hold N more connections (half paused workers, half clients) (0)
          --idle-processes N      processes holding them (4)
          --idle-concurrency N    handshakes in flight per process (50)
          --work DIR              where schedulers run and logs go (a temporary directory)
          --keep                  keep DIR afterwards
          --workers-first         at the end, stop the simulated processes before the scheduler, and
                                  count "Already forwarding" failures in its log
          --perf DIR              record each scheduler's CPU profile over the window with
                                  `perf record -e cpu-clock -g` into DIR (figures then include its cost)
        """

    init(parsing arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let value = rest.popFirst() else { throw BenchFailure("\(flag) needs a value\n\(Self.usage)") }
            return value
        }
        func number(_ flag: String) throws -> Int {
            guard let number = Int(try value(flag)), number >= 0 else { throw BenchFailure("\(flag) needs a count") }
            return number
        }
        func seconds(_ flag: String) throws -> Double {
            guard let number = Double(try value(flag)), number > 0 else { throw BenchFailure("\(flag) needs seconds") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--scheduler":
                let spec = try value(flag)
                guard let equals = spec.firstIndex(of: "=") else { throw BenchFailure("--scheduler wants NAME=PATH") }
                schedulers.append(
                    SchedulerUnderTest(
                        name: String(spec[..<equals]),
                        executable: String(spec[spec.index(after: equals)...]),
                        flags: []
                    )
                )
            case "--disable-tls": tls = false
            case "--scheduler-flag": schedulerFlags.append(try value(flag))
            case "--workers": workers = try number(flag)
            case "--worker-connections": workerConnections = try number(flag)
            case "--worker-processes": workerProcesses = try number(flag)
            case "--clients": clients = max(1, try number(flag))
            case "--queued":
                queued = try value(flag).split(separator: ",").map {
                    guard let count = Int($0), count > 0 else { throw BenchFailure("--queued wants counts") }
                    return count
                }
            case "--hints": hints = max(1, try number(flag))
            case "--window": window = max(1, try number(flag))
            case "--paused-fill": pausedFill = try number(flag)
            case "--seconds": self.seconds = try seconds(flag)
            case "--warmup": warmup = try seconds(flag)
            case "--latency-jobs": latencyJobs = try number(flag)
            case "--runs": runs = max(1, try number(flag))
            case "--idle-connections": idleConnections = try number(flag)
            case "--idle-processes": idleProcesses = max(1, try number(flag))
            case "--idle-concurrency": idleConcurrency = max(1, try number(flag))
            case "--work": work = try value(flag)
            case "--keep": keep = true
            case "--workers-first": workersFirst = true
            case "--perf": perf = try value(flag)
            default: throw BenchFailure("unknown option \(flag)\n\(Self.usage)")
            }
        }
        guard !schedulers.isEmpty else { throw BenchFailure("no --scheduler given\n\(Self.usage)") }
        let extra = (tls ? [] : ["--capnp-disable-tls"]) + schedulerFlags
        for index in schedulers.indices { schedulers[index].flags = extra }
    }
}
