// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI

/// The `Job` a client gets from `Ticket.job`: bound to the job, not to one worker, it forwards each call to
/// the worker running the current attempt (see ``JobAttempts``).
///
/// ocluster hands the client the worker's capability itself, so when a worker dies mid-job the client sees
/// the bare transport error. Here, when the scheduler queues the job again (``RequeuePolicy``), a waiting
/// `log` continues with a requeue line and the next worker's log, and `result` answers from the attempt that
/// finishes. When it does not, the calls fail with `Worker "NAME" disconnected while running the job (…)`.
/// Releasing the proxy releases the worker's `Job`, so a client that drops its references still cancels the
/// job, as in ocluster. (A job queued again is held by the queue until a worker takes it; if its client has
/// gone by then, the new worker's `Job` is released at once and the worker cancels it.)
///
/// Like the ticket, it answers capnp-rpc's `Persistent.save`, with a sturdy ref that restores to this job after
/// a lost connection or a restart (see ``SchedulerServices``).
///
/// A forwarded call is awaited with `responseUnlessCancelled`: when the client gives up (its call is cancelled,
/// e.g. its connection dropped), the wait ends at once, holding nothing of the job, so that the proxy, and with
/// it the worker's `Job`, can be released.
final class JobProxyService: Job.Server {
    let attempts: JobAttempts
    /// Removes the job from the queue if it waits there (it was requeued); returns whether it did.
    let cancelQueued: @Sendable (_ reason: String) async -> Bool
    /// Saves the job (see ``SavedTickets/save(_:client:as:)``) and returns its ref's URI.
    let save: @Sendable () -> String?
    /// Called once the client has let go of the job: a result kept for it may go.
    let released: @Sendable () -> Void

    init(
        attempts: JobAttempts,
        cancelQueued: @escaping @Sendable (_ reason: String) async -> Bool,
        save: @escaping @Sendable () -> String? = { nil },
        released: @escaping @Sendable () -> Void = {}
    ) {
        self.attempts = attempts
        self.cancelQueued = cancelQueued
        self.save = save
        self.released = released
    }

    deinit { released() }

    func dispatch(_ call: ServerCall) async throws {
        if call.interfaceId == Job.interfaceID { return try await _dispatchJob(call) }
        guard call.isPersistentSave else { throw call.unimplemented() }
        try call.answerSave(save())
    }

    func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws {
        let (log, next) = try await Self.log(from: params.start, attempts)
        results.log = log
        results.next = next
    }

    private static func log(from start: Int64, _ attempts: JobAttempts) async throws -> ([UInt8], Int64) {
        while true {
            let version = attempts.changed.version
            switch attempts.logStep(from: start) {
            case .answer(let bytes, let next):
                return (bytes, next)
            case .fail(let error):
                throw error
            case .wait:
                await attempts.changed.wait(after: version)
            case .forward(let job, let base, let attempt, let last, _):
                let pending = await job.log { params, _ in params.start = max(0, start - base) }
                do {
                    let response = try await pending.responseUnlessCancelled()
                    let next = response.results.next + base
                    if attempts.delivered(upTo: next, attempt: attempt) { return (try response.results.log, next) }
                } catch let error as RPCError where error.kind == .disconnected {
                    // The worker is gone. After the job's end, so is the rest of its log: the log ends here.
                    // Before it, wait for the scheduler to queue the job again or give up on it.
                    if last { return ([], start) }
                    await attempts.changed.wait(after: version)
                }
            }
            try Task.checkCancellation()
        }
    }

    func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.output = try await Self.result(attempts)
    }

    private static func result(_ attempts: JobAttempts) async throws -> String {
        while true {
            let version = attempts.changed.version
            switch attempts.resultStep() {
            case .fail(let error):
                throw error
            case .done(let result):
                return try result.get()
            case .wait:
                await attempts.changed.wait(after: version)
            case .forward(let job, _, let last, let worker):
                let pending = await job.result { _, _ in }
                do {
                    return try await pending.responseUnlessCancelled().results.output
                } catch let error as RPCError where error.kind == .disconnected {
                    if last { throw JobAttempts.lostError(worker: worker, error) }
                    await attempts.changed.wait(after: version)
                }
            }
            try Task.checkCancellation()
        }
    }

    func cancel(
        _ params: Job.CancelParams.Reader,
        _ results: Job.CancelResults.Builder,
        _ call: ServerCall
    ) async throws {
        attempts.requestCancel()
        if let job = attempts.runningJob {
            let pending = await job.cancel { _, _ in }
            do {
                _ = try await pending.responseUnlessCancelled()
            } catch let error as RPCError where error.kind == .disconnected {
                throw attempts.failure ?? RPCError(.failed, "Worker disconnected (\(error.reason))")
            }
            return
        }
        if let error = attempts.failure { throw error }
        _ = await cancelQueued("Build cancelled")
    }
}
