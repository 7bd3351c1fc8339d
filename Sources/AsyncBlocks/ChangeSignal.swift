// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// Wakes the tasks waiting for some state to change: a counter of changes and the tasks waiting for it to
/// move.
///
/// The state lives elsewhere (under its owner's lock). A waiter reads ``version`` *before* it looks at the
/// state, and waits with ``wait(after:)`` if the state does not suit it; the owner calls ``notify()`` *after*
/// each change. A change made between the look and the wait has moved the version already, so it is never
/// missed.
public final class ChangeSignal: Sendable {
    private struct State {
        var version = 0
        var lastWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// How many changes have been notified.
    public var version: Int { state.withLock { $0.version } }

    /// Records a change and wakes every waiter.
    public func notify() {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.version += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once the version differs from `version` (at once if it does already), or when the waiting
    /// task is cancelled (the caller checks for that).
    public func wait(after version: Int) async {
        let id = state.withLock { state in
            state.lastWaiter += 1
            return state.lastWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.version != version || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
