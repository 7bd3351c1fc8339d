// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OClusterScheduler

/// The bounded parts of the status: the first waiting jobs picked without sorting the whole queue, and the
/// ring of finished jobs.
struct StatusSelectionTests {
    /// 300 jobs of three clients, a third urgent, submitted as the clock moves.
    static func busyPool() -> TestPool {
        let clock = ManualClock()
        var pool = TestPool(name: "pool", clock: clock)
        var generator = SplitMix(seed: 42)
        for index in 0..<300 {
            let client = ["alice", "bob", "carol"][Int(generator.next() % 3)]
            pool.submit(
                client: client,
                item: TestJob(job: "job\(index)", cacheHint: "\(index)"),
                urgent: generator.next() % 3 == 0
            )
            clock.advance(Double(generator.next() % 5))
        }
        return pool
    }

    static func listing(_ pool: TestPool, limit: Int) -> [QueuedJobStatus] {
        pool.status(queueLimit: limit, lastSeen: [:], runningByClient: [:], submitted: { _ in 0 }).queued
    }

    @Test
    func firstJobsAreThePrefixOfTheWholeOrder() {
        let pool = Self.busyPool()
        let all = Self.listing(pool, limit: 1000)
        #expect(all.count == 300)
        // Urgent ones first; each client's jobs in submission order within a priority.
        let firstNormal = all.firstIndex { !$0.urgent } ?? all.count
        let urgentFirst = all[..<firstNormal].allSatisfy(\.urgent) && all[firstNormal...].allSatisfy { !$0.urgent }
        #expect(urgentFirst)
        for client in ["alice", "bob", "carol"] {
            for urgent in [true, false] {
                let order = all.filter { $0.client == client && $0.urgent == urgent }.map { Int($0.cacheHint)! }
                #expect(order == order.sorted(), "\(client) urgent=\(urgent)")
            }
        }
        for limit in [1, 7, 20, 299] {
            #expect(Self.listing(pool, limit: limit) == Array(all.prefix(limit)), "limit \(limit)")
        }
        let status = pool.status(queueLimit: 5, lastSeen: [:], runningByClient: [:], submitted: { _ in 0 })
        #expect(status.queuedTotal == 300)
        #expect(status.queuedUrgent == all.count(where: \.urgent))
        #expect(status.clients.map(\.queued).reduce(0, +) == 300)
    }

    @Test
    func recentJobsKeepTheLastOnesNewestFirst() {
        var ring = RecentJobs(capacity: 50)
        func job(_ index: Int) -> FinishedJobStatus {
            FinishedJobStatus(
                pool: "pool",
                client: "c\(index)",
                worker: nil,
                outcome: .cancelled,
                waited: 0,
                duration: 0,
                finished: Double(index)
            )
        }
        for index in 0..<10 { ring.append(job(index)) }
        #expect(ring.newestFirst().map(\.finished) == (0..<10).reversed().map(Double.init))
        for index in 10..<123 { ring.append(job(index)) }
        #expect(ring.count == 50)
        #expect(ring.newestFirst().map(\.finished) == (73..<123).reversed().map(Double.init))
    }
}

/// A small deterministic generator (SplitMix64), so the pool is the same on every run.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
