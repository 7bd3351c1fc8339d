// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Synchronization

/// A job submitted through a ``Connection``, followed to its end across lost connections.
///
/// The log and the result belong to the build, not to one submission: when the connection to
/// the scheduler is lost before the job finished, the build reconnects, writes a line saying so
/// into ``log``, and either reattaches to the job or submits it again. It reattaches when it
/// could save the job's ticket (`Persistent.save`, which our scheduler answers and ocluster's
/// does not) and the saved ref still resolves to a job (the scheduler restarted, and kept the
/// job): the log then goes on from where it stopped, and the job runs once. Otherwise (an OCaml
/// scheduler; a scheduler that dropped the job with the connection) it submits the job again and
/// goes on with the new job's log. ``result()`` gives the outcome of the job that finished, once.
public final class Build: Sendable {
    /// The job's log as it arrives: chunks of bytes, ending when the job ends.
    ///
    /// One consumer; chunks not read yet are held in memory.
    public let log: AsyncThrowingStream<[UInt8], any Error>

    private let outcome: Task<Result<String, OClusterClientError>, Never>
    private let control: BuildControl

    init(
        log: AsyncThrowingStream<[UInt8], any Error>,
        control: BuildControl,
        outcome: Task<Result<String, OClusterClientError>, Never>
    ) {
        self.log = log
        self.control = control
        self.outcome = outcome
    }

    /// Waits for the job to finish and returns its output (`""`, a pushed image's digest, an
    /// OBuilder snapshot id…).
    ///
    /// - Throws: ``OClusterClientErrorCode/job`` with the job's failure in ocluster's words
    ///   (`Failed: Build failed`), or ``OClusterClientErrorCode/cancelled``.
    public func result() async throws(OClusterClientError) -> String {
        try await outcome.value.get()
    }

    /// Where the build is now.
    public var state: BuildState { control.state }

    /// How many times the job has been submitted (more than once after lost connections).
    public var submissions: Int { control.submissions }

    /// How many times the build reattached to its job through the ticket's saved sturdy ref.
    public var reattachments: Int { control.reattachments }

    /// Cancels the build: the job on the cluster if it was submitted (its log then ends with
    /// the cancellation), or the wait for a connection or a pipeline slot.
    public func cancel() async {
        guard let handle = control.requestCancel() else {
            outcome.cancel()
            return
        }
        await handle.cancel()
    }
}

/// The state a ``Build`` shares with the task that drives it.
final class BuildControl: Sendable {
    private struct Shared {
        var state = BuildState.connecting
        var submissions = 0
        var reattachments = 0
        var current: JobHandle?
        var cancelled = false
    }
    private let shared = Mutex(Shared())

    var state: BuildState { shared.withLock { $0.state } }
    var submissions: Int { shared.withLock { $0.submissions } }
    var reattachments: Int { shared.withLock { $0.reattachments } }
    var cancelled: Bool { shared.withLock { $0.cancelled } }

    /// Moves to `state`, keeping the queue-state gauges in step.
    func set(_ state: BuildState) {
        let old = shared.withLock { shared in
            let old = shared.state
            shared.state = state
            return old
        }
        if let gauge = old.gauge { QueueStateGauges.leave(gauge) }
        if let gauge = state.gauge { QueueStateGauges.enter(gauge) }
    }

    /// Records a new submission; returns false if the build was cancelled meanwhile (the
    /// caller then cancels the job itself).
    func submitted(_ handle: JobHandle, reattached: Bool = false) -> Bool {
        shared.withLock { shared in
            if reattached { shared.reattachments += 1 } else { shared.submissions += 1 }
            shared.current = handle
            return !shared.cancelled
        }
    }

    /// Marks the build cancelled; returns the job to cancel if it was submitted.
    func requestCancel() -> JobHandle? {
        shared.withLock { shared in
            shared.cancelled = true
            return shared.current
        }
    }
}

extension BuildState {
    fileprivate var gauge: QueueState? {
        switch self {
        case .connecting: .connect
        case .rateLimited: .rateLimit
        case .submitted: .getTicket
        case .queued: .getWorker
        case .running, .finished: nil
        }
    }
}
