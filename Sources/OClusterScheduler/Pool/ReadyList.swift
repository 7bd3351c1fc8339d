// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Idle `pop` requests waiting for work, oldest first (ocluster's `Ready` list of workers).
///
/// Entries can be removed from the middle when a woken request resumes, so removal is lazy: a node id
/// leaves `live` at once and is skipped later, keeping every operation O(1) amortised.
struct ReadyList: Sendable {
    struct Entry: Sendable {
        let node: UInt64
        let pop: PopRequestID
        let worker: WorkerID
    }

    private var order: [UInt64] = []
    private var head = 0
    private var live: [UInt64: Entry] = [:]

    var isEmpty: Bool { live.isEmpty }
    var count: Int { live.count }

    mutating func append(_ entry: Entry) {
        order.append(entry.node)
        live[entry.node] = entry
    }

    mutating func remove(node: UInt64) {
        live[node] = nil
        compactIfWorthwhile()
    }

    /// Removes the request that has waited longest.
    mutating func takeOldest() -> Entry? {
        while head < order.count {
            let node = order[head]
            head += 1
            if let entry = live.removeValue(forKey: node) {
                compactIfWorthwhile()
                return entry
            }
        }
        return nil
    }

    /// Live entries, newest first (the order ocluster prints them in).
    func newestFirst() -> [Entry] {
        order[head...].reversed().compactMap { live[$0] }
    }

    private mutating func compactIfWorthwhile() {
        guard order.count - head > 2 * live.count + 16 || (head > 64 && head * 2 > order.count) else { return }
        order = order[head...].filter { live[$0] != nil }
        head = 0
    }
}
