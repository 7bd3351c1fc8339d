// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// A value that arrives later, awaited by any number of tasks; waiters resume in the order they started
/// waiting.
///
/// Settled once: later ``resolve(_:)`` calls are ignored (and say so). ``wait()`` waits for the value
/// whatever happens to the waiting task; ``waitUnlessCancelled()`` gives up when the waiting task is
/// cancelled. Open so that an object that is its own promise (a scheduler's queued job) saves an
/// allocation; its methods are final.
open class PromiseCell<Value: Sendable>: @unchecked Sendable {
    // Sendable: the only state is under the lock.
    @usableFromInline
    struct Waiter {
        /// 0 for a waiter that cannot give up.
        @usableFromInline let id: UInt64
        @usableFromInline let continuation: CheckedContinuation<Value?, Never>

        @usableFromInline
        init(id: UInt64, continuation: CheckedContinuation<Value?, Never>) {
            self.id = id
            self.continuation = continuation
        }
    }

    @usableFromInline
    enum State {
        case pending([Waiter], lastID: UInt64)
        case resolved(Value)
    }

    @usableFromInline let state: Mutex<State>

    /// A pending promise.
    public init() {
        state = Mutex(.pending([], lastID: 0))
    }

    /// A promise settled already.
    public init(resolved value: Value) {
        state = Mutex(.resolved(value))
    }

    /// Settles the promise and resumes its waiters; returns false (and changes nothing) if it was settled
    /// already.
    @inlinable @discardableResult
    public final func resolve(_ value: Value) -> Bool {
        let waiters: [Waiter]? = state.withLock { state in
            guard case .pending(let waiters, _) = state else { return nil }
            state = .resolved(value)
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.continuation.resume(returning: value) }
        return true
    }

    /// The value, if it has arrived.
    @inlinable
    public final var current: Value? {
        state.withLock { state in
            if case .resolved(let value) = state { return value }
            return nil
        }
    }

    /// Waits for the value, even if the waiting task is cancelled.
    @inlinable
    nonisolated(nonsending) public final func wait() async -> Value {
        // Settled already: no continuation to make and resume.
        if let value = current { return value }
        // A waiter with id 0 is never removed, so it always gets the value.
        return await suspend(id: 0)!
    }

    /// Waits for the value; nil as soon as the waiting task is cancelled (at once if it already is).
    nonisolated(nonsending) public final func waitUnlessCancelled() async -> Value? {
        if let value = current { return value }
        let id: UInt64? = state.withLock { state in
            guard case .pending(let waiters, let lastID) = state else { return nil }
            state = .pending(waiters, lastID: lastID + 1)
            return lastID + 1
        }
        guard let id else { return current }
        return await withTaskCancellationHandler {
            await suspend(id: id)
        } onCancel: {
            let removed: Waiter? = state.withLock { state in
                guard case .pending(var waiters, let lastID) = state,
                    let index = waiters.firstIndex(where: { $0.id == id })
                else { return nil }
                let waiter = waiters.remove(at: index)
                state = .pending(waiters, lastID: lastID)
                return waiter
            }
            removed?.continuation.resume(returning: nil)
        }
    }

    /// Adds a waiter (or returns the value at once); a waiter with an id other than 0 is not added when the
    /// task is cancelled already.
    @usableFromInline
    nonisolated(nonsending) final func suspend(id: UInt64) async -> Value? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let settled: Value?? = state.withLock { state in
                switch state {
                case .resolved(let value):
                    return .some(value)
                case .pending(var waiters, let lastID):
                    if id != 0, Task.isCancelled { return .some(nil) }
                    waiters.append(Waiter(id: id, continuation: continuation))
                    state = .pending(waiters, lastID: lastID)
                    return nil
                }
            }
            if let settled { continuation.resume(returning: settled) }
        }
    }
}
