// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Synchronization

/// One job on this worker: its log, its cancel switch and, once it ends, its outcome.
///
/// The ``JobService`` that clients call holds one of these; the agent holds another reference
/// while the job runs. When the job's capability is released (the scheduler released it, or the
/// connection dropped), with calls on it pending or not, the server turns the switch off, as
/// ocluster's `release` handler does, so abandoned builds stop.
public final class RunningJob: Sendable {
    /// How a job ended, as `Job.result` reports it.
    public enum Outcome: Sendable, Hashable {
        /// Success, with the output (`""`, a pushed image's RepoId, or a snapshot id).
        case succeeded(String)
        /// Failure; `error` is what `Job.result` throws ("Build failed", "Build cancelled", …).
        case failed(RPCError)
    }

    /// The job's log, streamed by `Job.log`.
    public let log = LogData()
    /// Turned off by `Job.cancel`, by releasing the job, or by the worker shutting down.
    public let cancel = CancelSwitch()
    private let outcomeState = Mutex<(outcome: Outcome?, waiters: [CheckedContinuation<Outcome, Never>])>((nil, []))

    public init() {}

    /// Records the outcome (first call wins) and wakes `Job.result` callers.
    public func finish(_ outcome: Outcome) {
        let waiters: [CheckedContinuation<Outcome, Never>] = outcomeState.withLock { state in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// The outcome, if the job has ended.
    public var outcome: Outcome? { outcomeState.withLock { $0.outcome } }

    /// Waits for the job to end.
    public func waitForOutcome() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready: Outcome? = outcomeState.withLock { state in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
