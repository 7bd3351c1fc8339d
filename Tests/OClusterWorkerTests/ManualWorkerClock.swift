// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterWorker
import Synchronization

/// A ``WorkerClock`` that moves only when the test calls ``advance(by:)``, so a test can see the
/// agent waiting (``pendingSleeps``) and decide when the wait ends.
final class ManualWorkerClock: WorkerClock {
    private struct Sleeper {
        let deadline: Duration
        let duration: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Duration.zero
        var sleepers: [UUID: Sleeper] = [:]
    }

    private let state = Mutex(State())

    var now: Duration { state.withLock { $0.now } }

    /// The durations of the sleeps in progress, in no particular order.
    var pendingSleeps: [Duration] { state.withLock { $0.sleepers.values.map(\.duration) } }

    func sleep(for duration: Duration) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Cancelled before it was registered: the handler below found nothing to resume.
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if duration <= .zero { return .success(()) }
                    state.sleepers[id] = Sleeper(
                        deadline: state.now + duration,
                        duration: duration,
                        continuation: continuation
                    )
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on and ends the sleeps that are then due.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now += duration
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
