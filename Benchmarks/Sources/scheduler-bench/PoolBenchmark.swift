// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterScheduler

/// `scheduler-bench pool`: the scheduling algorithm alone (``Pool``, no RPC, no process): the cost
/// of one decision, to set against the daemon's cost per assignment.
enum PoolBenchmark {
    struct Item: PoolItem {
        let cacheHint: String
        var costEstimate: PoolCost { .ocluster }
        var dumpLabel: String { cacheHint }
    }

    struct Clock: PoolClock {
        func now() -> Double { Date().timeIntervalSince1970 }
    }

    /// `workers` active workers, `queued` jobs kept in the queue (each assignment is followed by a
    /// new submission), hints drawn from `hints` values, `clients` clients. Returns assignments/s.
    static func run(workers: Int, queued: Int, hints: Int, clients: Int = 10, assignments: Int) -> Double {
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
            _ = pool.submit(client: "client-\(next % clients)", item: Item(cacheHint: "hint-\(next % hints)"))
        }
        for _ in 0..<queued { submit(&pool) }
        _ = pool.drainChanges()
        var pending: Set<WorkerID> = []
        var done = 0
        let start = MonotonicClock.nanoseconds()
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
        return Double(done) / (Double(MonotonicClock.nanoseconds() - start) / 1e9)
    }
}
