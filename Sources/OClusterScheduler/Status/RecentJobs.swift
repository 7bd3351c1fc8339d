// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The last few finished jobs: a ring that overwrites its oldest entry once full, so the history costs the
/// same however long the scheduler runs.
struct RecentJobs: Sendable {
    let capacity: Int
    private var entries: [FinishedJobStatus] = []
    /// Where the next entry goes once the ring is full.
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries.reserveCapacity(self.capacity)
    }

    var count: Int { entries.count }

    mutating func append(_ entry: FinishedJobStatus) {
        if entries.count < capacity {
            entries.append(entry)
        } else {
            entries[next] = entry
            next = (next + 1) % capacity
        }
    }

    /// Every entry, the most recent first.
    func newestFirst() -> [FinishedJobStatus] {
        Array((entries[next...] + entries[..<next]).reversed())
    }
}
