// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI
import Synchronization

/// One job's runs on successive workers, as the client's `Job` sees them: which worker runs it now, and how
/// the client's log offsets map onto that worker's log.
///
/// The client reads one log. Attempt 1's bytes come first; when its worker is lost and the job is queued
/// again, a line saying so follows the furthest offset the client was given, and the next attempt's log
/// starts after that line. So `next` never goes back, and what a lost worker wrote after the client last
/// read is skipped (the worker, and its log, are gone). Likewise for a job restored after a scheduler restart,
/// whose client reattaches and reads on from where it was in the run before: a line saying so comes at that
/// offset, then this run's log.
///
/// Shared between the scheduler core (which starts and ends attempts) and the client's ``JobProxyService``
/// (which forwards calls); its state is under a lock, and every change is signalled.
final class JobAttempts: Sendable {
    /// Where the job is now.
    enum Phase {
        /// Waiting in the queue for a worker (before the first attempt, or after a lost one).
        case queued
        /// Running on `worker`; the worker's log offset 0 is the client's `base`.
        case running(Job.Client, worker: String)
        /// The attempt ended on its worker with this result (as the scheduler's own `result` call got it, so
        /// that it can be answered even if the worker goes away afterwards): no other attempt will follow.
        case settled(Job.Client, worker: String, Result<String, RPCError>)
        /// Ended without a result: the worker was lost and the job not retried, or it was cancelled while
        /// queued again.
        case failed(RPCError)
        /// Finished before a scheduler restart: its result was kept, its log (on the worker) was not.
        case kept(Result<String, RPCError>)
    }

    /// A requeue line in the client's log.
    struct Marker {
        let start: Int64
        let bytes: [UInt8]
        var end: Int64 { start + Int64(bytes.count) }
    }

    struct State {
        var phase = Phase.queued
        /// The current attempt, from 1 (0 before the first starts).
        var attempt = 0
        /// The client offset of the current attempt's first byte.
        var base: Int64 = 0
        /// The furthest client offset handed out so far.
        var end: Int64 = 0
        var markers: [Marker] = []
        /// The client asked to cancel: a lost attempt is then not retried.
        var cancelRequested = false
        /// Restored after a restart, and no `log` call answered yet: its client may read on from an offset of
        /// the run before.
        var resumes = false
    }

    /// What a `log` call should do now.
    enum LogStep {
        case forward(Job.Client, base: Int64, attempt: Int, last: Bool, worker: String)
        case answer([UInt8], next: Int64)
        case wait
        case fail(RPCError)
    }

    /// What a `result` call should do now.
    enum ResultStep {
        case forward(Job.Client, attempt: Int, last: Bool, worker: String)
        case done(Result<String, RPCError>)
        case wait
        case fail(RPCError)
    }

    let maxAttempts: Int
    private let state = Mutex(State())
    /// Notified on every change of phase.
    let changed = ChangeSignal()

    /// The line a reattached client reads where its log stopped at the restart.
    static let restartLine = "--- scheduler restarted; job requeued ---\n"
    /// The line a reattached client reads where its log stopped, when the job had finished before the restart.
    static let finishedLine = "--- scheduler restarted after the job finished; the rest of its log is gone ---\n"

    /// - Parameter resumes: the job was restored after a restart (see ``State/resumes``).
    init(maxAttempts: Int, resumes: Bool = false) {
        self.maxAttempts = maxAttempts
        state.withLock { $0.resumes = resumes }
    }

    var attempt: Int { state.withLock { $0.attempt } }
    var cancelRequested: Bool { state.withLock { $0.cancelRequested } }

    /// Whether the job waits in the queue (after a lost attempt).
    var isQueued: Bool {
        state.withLock {
            if case .queued = $0.phase { return true }
            return false
        }
    }

    /// A worker took the job: the next attempt starts, its log after everything the client has seen.
    func started(on job: Job.Client, worker: String) {
        state.withLock { state in
            state.attempt += 1
            state.phase = .running(job, worker: worker)
        }
        changed.notify()
    }

    /// The current attempt's `result` settled on its worker (with any outcome but a lost connection).
    func settled(with result: Result<String, RPCError>) {
        state.withLock { state in
            guard case .running(let job, let worker) = state.phase else { return }
            state.phase = .settled(job, worker: worker, result)
        }
        changed.notify()
    }

    /// The current attempt's worker was lost and the job is queued again: the client's log gets `line`.
    func requeued(line: String) {
        state.withLock { state in
            let marker = Marker(start: state.end, bytes: Array(line.utf8))
            state.markers.append(marker)
            state.base = marker.end
            state.end = marker.end
            state.phase = .queued
        }
        changed.notify()
    }

    /// The job finished before a restart with `result` (see ``Phase/kept(_:)``).
    func kept(_ result: Result<String, RPCError>) {
        state.withLock { $0.phase = .kept(result) }
        changed.notify()
    }

    /// The job ends without a result (see ``Phase/failed(_:)``).
    func failed(_ error: RPCError) {
        state.withLock { $0.phase = .failed(error) }
        changed.notify()
    }

    /// The client asked to cancel the job.
    func requestCancel() {
        state.withLock { $0.cancelRequested = true }
    }

    /// The worker `Job` to cancel, if an attempt is running.
    var runningJob: Job.Client? {
        state.withLock {
            switch $0.phase {
            case .running(let job, _), .settled(let job, _, _): job
            case .queued, .failed, .kept: nil
            }
        }
    }

    /// The error the job failed with, if it did.
    var failure: RPCError? {
        state.withLock {
            if case .failed(let error) = $0.phase { return error }
            return nil
        }
    }

    /// How to answer `log(start)`.
    func logStep(from start: Int64) -> LogStep {
        state.withLock { state in
            // The log of the run before the restart went with it; the worker's log of this run starts at 0,
            // and offsets past its end are an error. A job that had finished has no log left to read at all.
            if state.resumes {
                state.resumes = false
                var finished = false
                if case .kept = state.phase { finished = true }
                if start > 0 || finished {
                    let line = finished ? Self.finishedLine : Self.restartLine
                    let marker = Marker(start: start, bytes: Array(line.utf8))
                    state.markers.append(marker)
                    state.base = marker.end
                    state.end = marker.end
                }
            }
            // Before the current attempt's log: the rest of the requeue line that follows (what a lost worker
            // wrote after the client last read is gone).
            if let marker = state.markers.first(where: { start < $0.end }) {
                let offset = max(0, Int(start - marker.start))
                return .answer(Array(marker.bytes[offset...]), next: marker.end)
            }
            switch state.phase {
            case .running(let job, let worker):
                return .forward(job, base: state.base, attempt: state.attempt, last: false, worker: worker)
            case .settled(let job, let worker, _):
                return .forward(job, base: state.base, attempt: state.attempt, last: true, worker: worker)
            case .queued:
                return .wait
            case .failed(let error):
                return .fail(error)
            case .kept:
                return .answer([], next: start)
            }
        }
    }

    /// A forwarded `log` call of `attempt` answered up to client offset `next`. False when the attempt ended
    /// (its worker lost) while the answer was on its way: the requeue line already stands where the client
    /// was, so the answer must not reach the client, whose next offset would point past the line into the
    /// next attempt's log.
    func delivered(upTo next: Int64, attempt: Int) -> Bool {
        state.withLock { state in
            switch state.phase {
            case .running, .settled: guard state.attempt == attempt else { return false }
            case .queued, .failed, .kept: return false
            }
            state.end = max(state.end, next)
            return true
        }
    }

    /// The error of a job whose worker was lost and that will not run again (ocluster's clients see the bare
    /// transport error; this names the worker).
    static func lostError(worker: String, _ cause: RPCError) -> RPCError {
        RPCError(.failed, "Worker \(ocamlQuoted(worker)) disconnected while running the job (\(cause.reason))")
    }

    /// How to answer `result`.
    func resultStep() -> ResultStep {
        state.withLock { state in
            switch state.phase {
            case .running(let job, let worker):
                return .forward(job, attempt: state.attempt, last: false, worker: worker)
            case .settled(_, _, let result), .kept(let result):
                return .done(result)
            case .queued:
                return .wait
            case .failed(let error):
                return .fail(error)
            }
        }
    }
}
