// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// A value that arrives later, awaited by any number of tasks; waiters resume in the order they started
/// waiting.
///
/// Settled once: later ``resolve(_:)`` calls are ignored (and say so). ``wait()`` waits for the value
/// whatever happens to the waiting task; ``waitUnlessCancelled()`` gives up when the waiting task is
/// cancelled. Open so that an object that is its own promise (a scheduler's queued job) saves an
/// allocation; its methods are final. Inlinable: the RPC engine waits on one per call, and code
/// specialized in the caller's module saves generic dispatch on each.
open class PromiseCell<Value: Sendable>: @unchecked Sendable {
    // Sendable: the only state is under the lock.
    @usableFromInline
    enum Waiter {
        case plain(CheckedContinuation<Value, Never>)
        /// A waiter that may give up: resumed with nil when it does.
        case cancellable(id: UInt64, CheckedContinuation<Value?, Never>)
        /// A callback (``onResolve(_:)``), which holds no task while it waits.
        case callback(id: UInt64, @Sendable () -> Void)

        @inlinable
        func resume(_ value: Value) {
            switch self {
            case .plain(let continuation): continuation.resume(returning: value)
            case .cancellable(_, let continuation): continuation.resume(returning: value)
            case .callback(_, let action): action()
            }
        }

        @inlinable
        func has(id: UInt64) -> Bool {
            switch self {
            case .plain: false
            case .cancellable(let own, _), .callback(let own, _): own == id
            }
        }
    }

    @usableFromInline
    enum State {
        case pending([Waiter], lastID: UInt64)
        case resolved(Value)
    }

    @usableFromInline let state: Mutex<State>

    /// A pending promise.
    @inlinable
    public init() {
        state = Mutex(.pending([], lastID: 0))
    }

    /// A promise settled already.
    @inlinable
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
        for waiter in waiters { waiter.resume(value) }
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

    /// How many waiters (tasks and callbacks) wait for the value now.
    public final var waiterCount: Int {
        state.withLock { state in
            if case .pending(let waiters, _) = state { return waiters.count }
            return 0
        }
    }

    /// Runs `action` once, on the thread that resolves the promise, when it is resolved. Returns the waiter's id
    /// for ``removeCallback(_:)``, or nil without running `action` when the promise is resolved already.
    public final func onResolve(_ action: @escaping @Sendable () -> Void) -> UInt64? {
        state.withLock { state in
            guard case .pending(var waiters, let lastID) = state else { return nil }
            waiters.append(.callback(id: lastID + 1, action))
            state = .pending(waiters, lastID: lastID + 1)
            return lastID + 1
        }
    }

    /// Drops a waiter of ``onResolve(_:)`` that has not run. Returns whether it was still waiting.
    @discardableResult
    public final func removeCallback(_ waiter: UInt64) -> Bool {
        removeWaiter(waiter) != nil
    }

    @usableFromInline
    final func removeWaiter(_ id: UInt64) -> Waiter? {
        state.withLock { state in
            guard case .pending(var waiters, let lastID) = state,
                let index = waiters.firstIndex(where: { $0.has(id: id) })
            else { return nil }
            let waiter = waiters.remove(at: index)
            state = .pending(waiters, lastID: lastID)
            return waiter
        }
    }

    /// Waits for the value, even if the waiting task is cancelled.
    @inlinable
    nonisolated(nonsending) public final func wait() async -> Value {
        // Settled already: no continuation to make and resume.
        if let value = current { return value }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            let value: Value? = state.withLock { state in
                switch state {
                case .resolved(let value):
                    return value
                case .pending(var waiters, let lastID):
                    waiters.append(.plain(continuation))
                    state = .pending(waiters, lastID: lastID)
                    return nil
                }
            }
            if let value { continuation.resume(returning: value) }
        }
    }

    /// Waits for the value; nil as soon as the waiting task is cancelled (at once if it already is).
    @inlinable
    nonisolated(nonsending) public final func waitUnlessCancelled() async -> Value? {
        if let value = current { return value }
        let id: UInt64? = state.withLock { state in
            guard case .pending(let waiters, let lastID) = state else { return nil }
            state = .pending(waiters, lastID: lastID + 1)
            return lastID + 1
        }
        guard let id else { return current }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let settled: Value?? = state.withLock { state in
                    switch state {
                    case .resolved(let value):
                        return .some(value)
                    case .pending(var waiters, let lastID):
                        if Task.isCancelled { return .some(nil) }
                        waiters.append(.cancellable(id: id, continuation))
                        state = .pending(waiters, lastID: lastID)
                        return nil
                    }
                }
                if let settled { continuation.resume(returning: settled) }
            }
        } onCancel: {
            if case .cancellable(_, let continuation) = removeWaiter(id) { continuation.resume(returning: nil) }
        }
    }
}
