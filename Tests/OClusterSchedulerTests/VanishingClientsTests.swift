// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import CapnProtoTestSupport
import OClusterAPI
import TestSupport
import Testing

@testable import OClusterScheduler

/// Clients that submit and then disconnect: their queued jobs are cancelled (as in ocluster) and nothing of
/// them stays in memory or in the queue.
@Suite struct VanishingClientsTests {
    private final class WeakItem: @unchecked Sendable {
        weak var item: SchedulerItem?
        init(_ item: SchedulerItem) { self.item = item }
    }

    private func queued(_ harness: ServiceHarness) async -> Int {
        await harness.scheduler.perform { scheduler in
            scheduler.core.pools["pool"]!.pool.metrics.queueLengths.reduce(0) { $0 + $1.count }
        }
    }

    @Test func manyClientsThatVanishLeaveNothingQueued() async throws {
        let harness = try ServiceHarness()
        let serviceID = try await harness.scheduler.addClient("alice")
        var links: [InMemoryTransport] = []
        var tickets: [Ticket.Client] = []
        for index in 0..<200 {
            let (capability, link) = await harness.connect(serviceID)
            let (ticket, _) = await submit(Submission.Client(capability), hint: "hint-\(index % 7)")
            tickets.append(ticket)
            links.append(link)
        }
        // Every submission reached the queue.
        _ = try await tickets.last!.cancel()
        try await waitUntil("199 jobs queued") { await queued(harness) == 199 }
        let items = await harness.scheduler.perform { scheduler in
            scheduler.core.pools["pool"]!.pool.tickets.values.map { WeakItem($0.item) }
        }
        #expect(items.count == 199)
        tickets.removeAll()
        for link in links { link.breakLink() }
        try await waitUntil("an empty queue") { await queued(harness) == 0 }
        try await waitUntil("every queued job freed") { items.allSatisfy { $0.item == nil } }
        #expect(try await harness.scheduler.show(pool: "pool").contains("queue: (backlog) []"))
        await harness.close()
    }
}
