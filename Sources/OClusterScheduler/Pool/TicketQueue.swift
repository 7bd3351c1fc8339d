// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The order in which queued tickets are served: urgent first, then earliest fair start time, then
/// submission order.
struct TicketPriority: Comparable, Sendable {
    var urgent: Bool
    var fairStartTime: Double
    var ticket: TicketID

    static func < (lhs: TicketPriority, rhs: TicketPriority) -> Bool {
        if lhs.urgent != rhs.urgent { return lhs.urgent }
        if lhs.fairStartTime != rhs.fairStartTime { return lhs.fairStartTime < rhs.fairStartTime }
        return lhs.ticket < rhs.ticket
    }
}

/// A priority queue of tickets with removal by ticket (for cancellation).
///
/// ocluster uses a priority search queue; an indexed binary heap gives the same O(log n) insert, pop and
/// remove. The urgent count is kept so that queue-length metrics need no scan.
struct TicketQueue: Sendable {
    private var heap: [TicketPriority] = []
    /// Heap index by ticket, 32 bits wide: the table has a bucket per queued job and spare ones besides.
    private var positions: [TicketID: Int32] = [:]
    private(set) var urgentCount = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    func contains(_ ticket: TicketID) -> Bool { positions[ticket] != nil }

    /// The ticket to serve next, left in place.
    var first: TicketPriority? { heap.first }

    mutating func insert(_ priority: TicketPriority) {
        guard positions[priority.ticket] == nil else { return }
        heap.append(priority)
        positions[priority.ticket] = Int32(heap.count - 1)
        if priority.urgent { urgentCount += 1 }
        siftUp(heap.count - 1)
    }

    /// Removes and returns the ticket to serve next.
    mutating func popFirst() -> TicketID? {
        guard let first = heap.first else { return nil }
        removeAt(0)
        return first.ticket
    }

    /// Removes `ticket`; returns false if it was not queued here.
    @discardableResult
    mutating func remove(_ ticket: TicketID) -> Bool {
        guard let index = positions[ticket] else { return false }
        removeAt(Int(index))
        return true
    }

    /// All tickets, next-to-serve first. O(n log n); only used for dumps.
    func inPriorityOrder() -> [TicketID] {
        heap.sorted().map(\.ticket)
    }

    private mutating func removeAt(_ index: Int) {
        let removed = heap[index]
        positions[removed.ticket] = nil
        if removed.urgent { urgentCount -= 1 }
        let last = heap.removeLast()
        guard index < heap.count else { return }
        heap[index] = last
        positions[last.ticket] = Int32(index)
        // The moved element may belong either above or below its new slot.
        if index > 0 && last < heap[(index - 1) / 2] {
            siftUp(index)
        } else {
            siftDown(index)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var smallest = left
            let right = left + 1
            if right < heap.count && heap[right] < heap[left] { smallest = right }
            guard heap[smallest] < heap[parent] else { break }
            swapAt(smallest, parent)
            parent = smallest
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        positions[heap[a].ticket] = Int32(a)
        positions[heap[b].ticket] = Int32(b)
    }
}
