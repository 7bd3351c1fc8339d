// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// Awaits `operation` so that cancelling the caller returns at once with `CancellationError`,
/// even when the operation itself cannot be interrupted (an RPC waiting for its answer).
///
/// The operation runs in an unstructured task, which is the point: it goes on after the
/// caller gave up, and `abandoned` receives its result then (e.g. a job popped just as the
/// worker stopped asking, which must be failed rather than dropped silently).
func awaitCancellable<T: Sendable>(
    _ operation: @escaping @Sendable () async throws -> T,
    abandoned: @escaping @Sendable (Result<T, any Error>) -> Void = { _ in }
) async throws -> T {
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            guard race.wait(continuation) else {
                continuation.resume(throwing: CancellationError())
                return
            }
            // Unstructured on purpose: see the function's documentation.
            Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                if let waiter = race.finish() {
                    waiter.resume(with: result)
                } else {
                    abandoned(result)
                }
            }
        }
    } onCancel: {
        race.giveUp()?.resume(throwing: CancellationError())
    }
}

/// Who gets an operation's result: the waiting caller, or nobody because it gave up.
private final class Race<T: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<T, any Error>)
        case gaveUp
        case finished
    }

    private let state = Mutex(State.idle)

    /// Records the waiter; `false` if the caller already gave up.
    func wait(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        state.withLock { state in
            guard case .idle = state else { return false }
            state = .waiting(continuation)
            return true
        }
    }

    /// The waiter to resume with the result, or `nil` if the caller gave up.
    func finish() -> CheckedContinuation<T, any Error>? {
        state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .finished
            return continuation
        }
    }

    /// Marks the caller as gone; returns its waiter to resume with `CancellationError`.
    func giveUp() -> CheckedContinuation<T, any Error>? {
        state.withLock { state in
            switch state {
            case .idle:
                state = .gaveUp
                return nil
            case .waiting(let continuation):
                state = .gaveUp
                return continuation
            case .gaveUp, .finished:
                return nil
            }
        }
    }
}
