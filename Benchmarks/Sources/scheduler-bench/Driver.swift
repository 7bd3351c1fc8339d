// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// `scheduler-bench run`: measures real scheduler daemons, each started fresh per measurement
/// with the user's flags and driven through its `.cap` files by simulated workers and clients in
/// processes of their own (``SimulatedWorkers``, ``SimulatedClients``, ``IdleConnections``).
///
/// For each run, each scheduler in turn (so that Swift and OCaml share the sitting) and each
/// queue length: start the scheduler; add the clients through `admin.cap`; start the worker
/// processes and wait until every worker has registered; measure the submit→start latency with
/// every worker idle (one job at a time, first queue length only); have the clients fill the
/// queue and keep it filled; after a warm-up, count the jobs workers take in a window, with the
/// scheduler's CPU time (`/proc/PID/stat`) and memory (`/proc/PID/status`) at both ends.
struct Driver {
    var options: DriverOptions

    /// One measured window.
    struct Figures: Sendable {
        var scheduler: String
        var run: Int
        var queued: Int
        var assignments: Int
        var seconds: Double
        var cpuSeconds: Double
        /// CPU time of the simulated workers and clients over the window.
        var simulatorCPUSeconds: Double
        var residentMiB: Double
        var anonymousMiB: Double
        var latency: LatencyHistogram
        var idleLatency: LatencyHistogram?
        var idle: IdleFigures?

        var rate: Double { Double(assignments) / seconds }
        var cpuMicrosecondsPerAssignment: Double { cpuSeconds * 1e6 / Double(max(1, assignments)) }
    }

    /// The connection-scale figures.
    struct IdleFigures: Sendable {
        /// Connections held.
        var connections: Int
        /// Connections that could not be opened (their handshake timed out, say).
        var failed: Int
        var seconds: Double
        var residentBeforeMiB: Double
        var residentAfterMiB: Double

        var handshakesPerSecond: Double { Double(connections) / seconds }
        var kibPerConnection: Double { (residentAfterMiB - residentBeforeMiB) * 1024 / Double(max(1, connections)) }
    }

    func run() async throws {
        let limit = FileLimit.raiseToMaximum()
        let work = options.work ?? NSTemporaryDirectory() + "scheduler-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: work + "/keys", withIntermediateDirectories: true)
        print(
            "scheduler-bench: \(options.workers) workers on \(options.workerConnections) connections in "
                + "\(options.workerProcesses) processes, \(options.clients) clients, \(options.hints) hints, "
                + (options.tls ? "TLS" : "no TLS") + ", window \(options.seconds) s after \(options.warmup) s"
                + (options.idleConnections > 0 ? ", \(options.idleConnections) idle connections" : "")
                + "; open files limit \(limit); logs in \(work)"
        )
        var all: [Figures] = []
        for run in 1...options.runs {
            for scheduler in options.schedulers {
                for (index, queued) in options.queued.enumerated() {
                    let figures = try await measure(
                        scheduler,
                        run: run,
                        queued: queued,
                        idleLatency: index == 0 && options.latencyJobs > 0,
                        work: work
                    )
                    print(Self.line(figures))
                    fflush(nil)
                    all.append(figures)
                }
            }
        }
        print("")
        print(Report(figures: all, schedulers: options.schedulers.map(\.name)).text)
        if !options.keep { try? FileManager.default.removeItem(atPath: work) }
    }

    private func measure(
        _ under: SchedulerUnderTest,
        run: Int,
        queued: Int,
        idleLatency: Bool,
        work: String
    ) async throws -> Figures {
        let scheduler = try await under.start(in: work)
        var children: [ChildProcess] = []
        var failed = true
        defer {
            if options.workersFirst {
                // Simulated processes first, while the clients' calls are still being forwarded to
                // the workers' jobs: this is what stalls capnp-rpc 1.2's scheduler with "Already
                // forwarding!" (see README, Performance).
                for child in children { child.stop() }
                Self.reportStall(scheduler)
                scheduler.stop(keep: options.keep || failed)
            } else {
                // The scheduler goes first, then the processes that were talking to it: no peer of
                // the scheduler drops its connection while the scheduler is still working for it.
                scheduler.stop(keep: options.keep || failed)
                for child in children { child.stop() }
            }
        }
        let logs = scheduler.directory
        let clientNames = (0..<options.clients).map { "bench-\($0)" }
        let submissions = try await AdminCalls.addClients(adminCap: scheduler.adminCap, names: clientNames)

        var idle: IdleFigures?
        if options.idleConnections > 0 {
            let before = try scheduler.stats()
            var holders: [ChildProcess] = []
            let processes = max(1, options.idleProcesses)
            for index in 0..<processes {
                let share = options.idleConnections / processes + (index < options.idleConnections % processes ? 1 : 0)
                let holder = try ChildProcess(
                    name: "idle-\(index)",
                    arguments: [
                        options.executable, "idle", "--pool", scheduler.poolCap, "--submission", submissions[0],
                        "--connections", "\(share)", "--first", "\(index * (options.idleConnections / processes + 1))",
                        "--concurrency", "\(options.idleConcurrency)",
                    ],
                    log: logs + "/idle-\(index).log"
                )
                holders.append(holder)
                children.append(holder)
            }
            for holder in holders { _ = try await holder.expect("ready") }
            let start = MonotonicClock.nanoseconds()
            for holder in holders { try holder.send("connect") }
            var failed = 0
            for holder in holders {
                let fields = try await holder.expect("connected").split(separator: " ")
                guard fields.count == 2, let count = Int(fields[1]) else {
                    throw BenchFailure("\(holder.name) sent a bad connected line")
                }
                failed += count
            }
            let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
            let after = try scheduler.stats()
            idle = IdleFigures(
                connections: options.idleConnections - failed,
                failed: failed,
                seconds: seconds,
                residentBeforeMiB: before.residentMiB,
                residentAfterMiB: after.residentMiB
            )
        }

        var workers: [ChildProcess] = []
        let processes = max(1, options.workerProcesses)
        for index in 0..<processes {
            let share = options.workers / processes + (index < options.workers % processes ? 1 : 0)
            let first = (0..<index).reduce(0) { total, other in
                total + options.workers / processes + (other < options.workers % processes ? 1 : 0)
            }
            let connections = max(1, options.workerConnections / processes)
            let child = try ChildProcess(
                name: "workers-\(index)",
                arguments: [
                    options.executable, "workers", "--pool", scheduler.poolCap, "--workers", "\(share)",
                    "--first", "\(first)", "--connections", "\(connections)", "--keys", work + "/keys",
                ],
                log: logs + "/workers-\(index).log"
            )
            workers.append(child)
            children.append(child)
        }
        for child in workers { _ = try await child.expect("ready") }

        var clients: [ChildProcess] = []
        for (index, uri) in submissions.enumerated() {
            let child = try ChildProcess(
                name: "client-\(index)",
                arguments: [
                    options.executable, "client", "--submission", uri, "--hints", "\(options.hints)",
                    "--window", "\(options.window)", "--name", clientNames[index], "--keys", work + "/keys",
                ],
                log: logs + "/client-\(index).log"
            )
            clients.append(child)
            children.append(child)
        }
        for child in clients { _ = try await child.expect("ready") }

        var idleHistogram: LatencyHistogram?
        if idleLatency {
            _ = try await mark(workers)
            try clients[0].send("sequential \(options.latencyJobs)")
            _ = try await clients[0].expect("done")
            idleHistogram = try await mark(workers).latencies
        }

        // A deep queue fills while no worker takes jobs: otherwise each submission competes with
        // the assignments, and 100 000 take many minutes.
        let paused = queued >= options.pausedFill
        if paused { try await tell(workers, "pause", expect: "paused") }
        let fillStart = MonotonicClock.nanoseconds()
        for (index, child) in clients.enumerated() {
            let share = queued / clients.count + (index < queued % clients.count ? 1 : 0)
            try child.send("fill \(share)")
        }
        for child in clients { _ = try await child.expect("filled") }
        let fillSeconds = Double(MonotonicClock.nanoseconds() - fillStart) / 1e9
        let filledMiB = (try? scheduler.stats().residentMiB) ?? 0
        print(
            "\(under.name): \(queued) jobs queued in " + String(format: "%.1f s", fillSeconds)
                + (paused ? " (workers paused)" : "") + ", RSS " + String(format: "%.1f MiB", filledMiB)
        )
        if paused { try await tell(workers, "resume", expect: "resumed") }
        try await Task.sleep(for: .seconds(options.warmup))

        var profiler: ChildProcess?
        if let directory = options.perf {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let output = directory + "/\(under.name)-\(queued)-run\(run).data"
            profiler = try ChildProcess(
                name: "perf",
                arguments: [
                    "/usr/bin/perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-p", "\(scheduler.process.pid)",
                    "-o", output, "--", "sleep", "\(options.seconds)",
                ],
                log: logs + "/perf.log"
            )
        }
        let cpuBefore = try scheduler.stats().cpuSeconds
        let simulatorsBefore = children.compactMap { ProcessStats.read(pid: $0.pid)?.cpuSeconds }.reduce(0, +)
        let start = MonotonicClock.nanoseconds()
        let before = try await mark(workers)
        try await Task.sleep(for: .seconds(options.seconds))
        // perf ends by itself with its `sleep`; a signal may be blocked in it and would cut its file short.
        profiler?.stop(grace: 60)
        let cpuAfter = try scheduler.stats()
        let simulatorsAfter = children.compactMap { ProcessStats.read(pid: $0.pid)?.cpuSeconds }.reduce(0, +)
        let after = try await mark(workers)
        let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
        failed = false
        return Figures(
            scheduler: under.name,
            run: run,
            queued: queued,
            assignments: after.taken - before.taken,
            seconds: seconds,
            cpuSeconds: cpuAfter.cpuSeconds - cpuBefore,
            simulatorCPUSeconds: simulatorsAfter - simulatorsBefore,
            residentMiB: cpuAfter.residentMiB,
            anonymousMiB: cpuAfter.anonymousMiB,
            latency: after.latencies,
            idleLatency: idleHistogram,
            idle: idle
        )
    }

    /// Says whether the scheduler's log shows capnp-rpc's "Already forwarding!" failure.
    private static func reportStall(_ scheduler: SchedulerUnderTest.Running) {
        Thread.sleep(forTimeInterval: 2)
        let log = (try? String(contentsOfFile: scheduler.directory + "/scheduler.log", encoding: .utf8)) ?? ""
        let failures = log.components(separatedBy: "Already forwarding").count - 1
        print(
            "\(scheduler.process.name): \(failures) \"Already forwarding\" failures in its log after the workers left"
        )
    }

    /// Sends `command` to every worker process and waits for each to answer `reply`.
    private func tell(_ workers: [ChildProcess], _ command: String, expect reply: String) async throws {
        for child in workers { try child.send(command) }
        for child in workers { _ = try await child.expect(reply) }
    }

    /// Asks every worker process for its count and latencies since the last mark, and adds them up.
    private func mark(_ workers: [ChildProcess]) async throws -> (taken: Int, latencies: LatencyHistogram) {
        for child in workers { try child.send("mark") }
        var taken = 0
        var latencies = LatencyHistogram()
        for child in workers {
            let fields = try await child.expect("mark").split(separator: " ")
            guard fields.count == 2, let count = Int(fields[0]) else {
                throw BenchFailure("\(child.name) sent a bad mark line")
            }
            taken += count
            latencies.add(try LatencyHistogram(encoded: fields[1]))
        }
        return (taken, latencies)
    }

    static func line(_ figures: Figures) -> String {
        var text =
            "\(figures.scheduler) run \(figures.run) queued \(figures.queued): "
            + String(
                format: "%.0f assignments/s, %.1f µs CPU/assignment (scheduler busy %.0f%%, simulators %.0f%%), "
                    + "RSS %.1f MiB (anonymous %.1f MiB)",
                figures.rate,
                figures.cpuMicrosecondsPerAssignment,
                figures.cpuSeconds * 100 / figures.seconds,
                figures.simulatorCPUSeconds * 100 / figures.seconds,
                figures.residentMiB,
                figures.anonymousMiB
            )
        if let p50 = figures.latency.percentile(0.5), let p99 = figures.latency.percentile(0.99) {
            text += String(format: ", submit→start p50 %.2f ms p99 %.2f ms", p50, p99)
        }
        if let idle = figures.idleLatency, let p50 = idle.percentile(0.5), let p99 = idle.percentile(0.99) {
            text += String(format: "; idle worker p50 %.3f ms p99 %.3f ms", p50, p99)
        }
        if let connections = figures.idle {
            text += String(
                format: "; %d idle connections (%d failed): %.0f handshakes/s, %.1f KiB RSS each",
                connections.connections,
                connections.failed,
                connections.handshakesPerSecond,
                connections.kibPerConnection
            )
        }
        return text
    }
}
