// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// A value that arrives later, awaited by any number of tasks; waiters resume in the order
/// they started waiting.
public final class PromiseCell<Value: Sendable>: Sendable {
    private enum State {
        case pending([CheckedContinuation<Value, Never>])
        case resolved(Value)
    }

    private let state = Mutex<State>(.pending([]))

    public init() {}

    public init(resolved value: Value) {
        state.withLock { $0 = .resolved(value) }
    }

    /// Resolves the cell; later resolutions are ignored.
    public func resolve(_ value: Value) {
        let waiters: [CheckedContinuation<Value, Never>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .resolved(value)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// The value, if it has arrived.
    public var current: Value? {
        state.withLock { state in
            if case .resolved(let value) = state { return value }
            return nil
        }
    }

    /// Waits for the value.
    nonisolated(nonsending) public func wait() async -> Value {
        // Settled already: no continuation to make and resume.
        if let value = current { return value }
        return await withCheckedContinuation { continuation in
            let value: Value? = state.withLock { state in
                switch state {
                case .resolved(let value):
                    return value
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                }
            }
            if let value { continuation.resume(returning: value) }
        }
    }
}
