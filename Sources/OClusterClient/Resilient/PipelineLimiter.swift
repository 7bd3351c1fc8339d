// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// At most `limit` builds per (pool, urgency) queued at the scheduler at once, as the OCurrent
/// plugin's `max_pipeline`: the rest wait here, first come first served, so a burst of builds
/// does not flood the scheduler's queue.
actor PipelineLimiter {
    struct Key: Hashable {
        var pool: String
        var urgent: Bool
    }

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let limit: Int
    private var inUse: [Key: Int] = [:]
    private var waiters: [Key: [Waiter]] = [:]
    private var nextID = 0

    init(limit: Int) { self.limit = max(limit, 1) }

    /// How many slots of `key` are taken.
    func used(_ key: Key) -> Int { inUse[key, default: 0] }

    /// Takes a slot of `key`, waiting for one if all are taken.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    func acquire(_ key: Key) async throws {
        if inUse[key, default: 0] < limit {
            inUse[key, default: 0] += 1
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters[key, default: []].append(Waiter(id: id, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.abandon(key, id: id) }
        }
    }

    /// Gives a slot of `key` back: to the first waiter, or to the pool.
    func release(_ key: Key) {
        if var queue = waiters[key], !queue.isEmpty {
            // The slot passes straight to the waiter, so the count stays the same.
            let next = queue.removeFirst()
            waiters[key] = queue
            next.continuation.resume()
        } else {
            inUse[key, default: 0] = max(inUse[key, default: 0] - 1, 0)
        }
    }

    private func abandon(_ key: Key, id: Int) {
        guard var queue = waiters[key], let index = queue.firstIndex(where: { $0.id == id }) else { return }
        let waiter = queue.remove(at: index)
        waiters[key] = queue
        waiter.continuation.resume(throwing: CancellationError())
    }
}
