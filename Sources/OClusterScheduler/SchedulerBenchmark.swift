// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// Measurements for `ocluster-scheduler bench` (a hidden subcommand): the pool algorithm alone, and the
/// whole scheduler over loopback RPC (see `SchedulerBenchmark+RPC.swift`).
public enum SchedulerBenchmark {
    /// One run's figures.
    public struct Result: Sendable, CustomStringConvertible {
        /// What was measured.
        public var name: String
        /// Connected workers.
        public var workers: Int
        /// Jobs kept queued while measuring.
        public var queued: Int
        /// Assignments measured.
        public var assignments: Int
        /// Wall time for them.
        public var seconds: Double
        /// Resident set size at the end, in MiB.
        public var residentMiB: Double
        /// The anonymous part of it (heap, stacks), without the mapped executable and libraries, in MiB.
        public var anonymousMiB: Double?

        /// Assignments per second.
        public var rate: Double { Double(assignments) / seconds }
        /// Microseconds per assignment (one scheduling decision plus the submission that replaces it).
        public var microsecondsPerDecision: Double { seconds * 1e6 / Double(assignments) }

        /// One line of figures.
        public var description: String {
            "\(name): workers=\(workers) queued=\(queued) assignments=\(assignments) "
                + String(format: "%.0f/s %.2f µs/decision RSS %.1f MiB", rate, microsecondsPerDecision, residentMiB)
                + (anonymousMiB.map { String(format: " (anonymous %.1f MiB)", $0) } ?? "")
        }
    }

    struct Item: PoolItem {
        let cacheHint: String
        var costEstimate: PoolCost { .ocluster }
        var dumpLabel: String { cacheHint }
    }

    struct Clock: PoolClock {
        func now() -> Double { Date().timeIntervalSince1970 }
    }

    /// The pool alone: `workers` active workers, `queued` jobs kept in the queue (each assignment is followed
    /// by a new submission), hints drawn from `hints` values, `clients` clients.
    public static func pool(workers: Int, queued: Int, hints: Int, clients: Int = 10, assignments: Int) -> Result {
        var pool = Pool<Item, Clock>(name: "bench", clock: Clock())
        var ids: [WorkerID] = []
        for index in 0..<workers {
            guard let id = try? pool.register(name: "worker-\(index)", capacity: 1) else { continue }
            try? pool.setActive(id, true, reason: .worker)
            ids.append(id)
        }
        var next = 0
        func submit(_ pool: inout Pool<Item, Clock>) {
            next += 1
            pool.submit(client: "client-\(next % clients)", item: Item(cacheHint: "hint-\(next % hints)"))
        }
        for _ in 0..<queued { submit(&pool) }
        _ = pool.drainChanges()
        var pending: Set<WorkerID> = []
        var done = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var turn = 0
        while done < assignments {
            let worker = ids[turn % ids.count]
            turn += 1
            if !pending.contains(worker) {
                switch pool.pop(worker) {
                case .done(.job):
                    pool.jobFinished(worker)
                    done += 1
                    submit(&pool)
                case .pending:
                    pending.insert(worker)
                case .done(.finished):
                    break
                }
            }
            for completion in pool.runWakeups() {
                pending.remove(completion.worker)
                if case .job = completion.outcome {
                    pool.jobFinished(completion.worker)
                    done += 1
                    submit(&pool)
                }
            }
            _ = pool.drainChanges()
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(
            name: "pool",
            workers: ids.count,
            queued: queued,
            assignments: done,
            seconds: seconds,
            residentMiB: residentMiB()
        )
    }

    /// The process's resident set size (Linux `/proc/self/status`), in MiB; 0 where unknown.
    public static func residentMiB(statusFile: String = "/proc/self/status", field: String = "VmRSS") -> Double {
        guard let status = try? String(contentsOfFile: statusFile, encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}
