// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// Work that objects ask for as they are destroyed, run later in batches by one task.
///
/// A `deinit` cannot await an actor, and a task per object is costly when many objects go at
/// once (a client dropping 100k tickets, a connection closing): each task holds its own stack.
/// Objects ``push(_:)`` here instead, and only the push that finds the queue idle starts a task,
/// which ``drain(_:)``s it until it is empty.
public final class DeinitQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var draining = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Queues `item`; returns true when the caller must start a task that drains the queue.
    public func push(_ item: Item) -> Bool {
        state.withLock { state in
            state.items.append(item)
            defer { state.draining = true }
            return !state.draining
        }
    }

    /// Hands every queued item to `body`, batch by batch, until the queue is empty; that ends the
    /// drain, and the next push starts another.
    public func drain(_ body: (Item) -> Void) {
        while true {
            let items = take()
            if items.isEmpty { return }
            for item in items { body(item) }
        }
    }

    /// Takes everything queued. An empty result ends the drain: the next push starts another.
    func take() -> [Item] {
        state.withLock { state in
            if state.items.isEmpty { state.draining = false }
            defer { state.items = [] }
            return state.items
        }
    }
}
