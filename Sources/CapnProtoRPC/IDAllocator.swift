// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Hands out the smallest free id, as C++ capnp does, so ids stay small and reuse is visible
/// in tests.
///
/// Freed ids sit in a binary min-heap: a peer that releases 100k exports one by one costs
/// O(log n) each, not a re-sort of the free list.
struct IDAllocator {
    private var next: UInt32 = 0
    private var free: [UInt32] = []

    mutating func allocate() -> UInt32 {
        guard let smallest = free.first else {
            defer { next += 1 }
            return next
        }
        let last = free.removeLast()
        if !free.isEmpty {
            free[0] = last
            siftDown(from: 0)
        }
        return smallest
    }

    mutating func release(_ id: UInt32) {
        free.append(id)
        siftUp(from: free.count - 1)
    }

    /// Ids currently handed out.
    var inUse: Int { Int(next) - free.count }

    private mutating func siftUp(from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard free[child] < free[parent] else { return }
            free.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        let count = free.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            let right = left + 1
            let smaller = right < count && free[right] < free[left] ? right : left
            guard free[smaller] < free[parent] else { return }
            free.swapAt(smaller, parent)
            parent = smaller
        }
    }
}
