// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import OClusterAPI

/// The task behind a ``Build``: connect, wait for a pipeline slot, submit, follow the log, and
/// start again from the connection when it is lost (the OCurrent plugin's `submit` loop).
struct BuildRunner: Sendable {
    let spec: JobSpec
    let key: PipelineLimiter.Key
    let link: SubmissionLink
    let limiter: PipelineLimiter
    let control: BuildControl
    let log: AsyncThrowingStream<[UInt8], any Error>.Continuation

    /// How one submission or reattachment ended.
    private enum Attempt {
        case finished(Result<String, OClusterClientError>)
        /// The connection to the scheduler went with the job still unfinished.
        case lost(RPCError)
        /// The saved ticket no longer names a job (cancelled, or not kept by the scheduler).
        case gone(RPCError)
    }

    /// What the build carries from one connection to the next.
    private struct Progress {
        /// The last byte of the log so far (a notice starts on a line of its own).
        var lastByte: UInt8 = 0x0A
        /// Where the job's log goes on from.
        var next: Int64 = 0
        /// The saved ticket's service ID, to reattach through (nil: submit again).
        var ticket: ServiceID?
    }

    func run() async -> Result<String, OClusterClientError> {
        let result = await submitUntilFinished()
        control.set(.finished)
        switch result {
        case .success: log.finish()
        case .failure(let error) where error.code == .job: log.finish()
        case .failure(let error): log.finish(throwing: error)
        }
        return result
    }

    private func submitUntilFinished() async -> Result<String, OClusterClientError> {
        var progress = Progress()
        while true {
            if control.cancelled || Task.isCancelled { return .failure(Self.cancelled) }
            control.set(.connecting)
            let connected: (service: Submission.Client, generation: Int)
            do {
                connected = try await link.service()
            } catch is CancellationError {
                return .failure(Self.cancelled)
            } catch {
                return .failure(
                    OClusterClientError(.connection, "Failed: \(RPCError.from(error).reason)", cause: error)
                )
            }
            control.set(.rateLimited)
            do {
                try await limiter.acquire(key)
            } catch {
                return .failure(Self.cancelled)
            }
            let attempt: Attempt
            if let saved = progress.ticket {
                attempt = await reattach(saved, progress: &progress)
            } else {
                attempt = await submitOnce(connected.service, progress: &progress)
            }
            switch attempt {
            case .finished(let result):
                return result
            case .gone(let error):
                progress.ticket = nil
                progress.next = 0
                notice("Could not reattach to the job (\(error.reason)); submitting the job again", &progress)
            case .lost(let error):
                // A job can also fail `Disconnected` because its worker went: the OCurrent plugin
                // reports that, and resubmits only when the scheduler's connection is the problem.
                if await Self.isAlive(connected.service) {
                    return .failure(OClusterClientError(.job, error.ocamlDescription, cause: error))
                }
                await link.lost(connected.generation, reason: error.reason)
                let then = progress.ticket == nil ? "submitting the job again" : "reattaching to the job"
                notice("Lost the connection to the build cluster (\(error.reason)); \(then)", &progress)
            }
        }
    }

    /// Writes a line of our own into the log.
    private func notice(_ text: String, _ progress: inout Progress) {
        log.yield(Array(((progress.lastByte == 0x0A ? "" : "\n") + text + "\n").utf8))
        progress.lastByte = 0x0A
    }

    /// Submits the job once, holding a pipeline slot until a worker takes it.
    private func submitOnce(_ service: Submission.Client, progress: inout Progress) async -> Attempt {
        control.set(.submitted)
        let submitted = await service.submit { params, _ in
            params.pool = key.pool
            params.urgent = key.urgent
            try spec.write(to: params.initDescr())
        }
        let ticket = Ticket.Client(submitted.pipeline(0))
        let job = Job.Client(await ticket.job { _, _ in }.pipeline(0))
        let handle = JobHandle(ticket: ticket, job: job)
        if !control.submitted(handle) { await handle.cancel() }
        // Asked for before the log, as ocluster does, so the answer is on its way meanwhile.
        let result = Task { try await job.result().results.output }
        do {
            _ = try await submitted.response()
        } catch {
            await limiter.release(key)
            return failure(error, reattaching: false)
        }
        progress.next = 0
        // Lost before it was saved: following fails at once, and the job is submitted again.
        progress.ticket = try? await handle.saveTicket()
        // Queued once saved: a connection lost from now on reattaches.
        control.set(.queued)
        return await follow(handle, result: result, reattaching: false, progress: &progress)
    }

    /// Follows the job again through its saved ticket, from where its log stopped.
    private func reattach(_ id: ServiceID, progress: inout Progress) async -> Attempt {
        control.set(.submitted)
        let ticket: Ticket.Client
        do {
            ticket = Ticket.Client(try await link.restore(id))
        } catch {
            await limiter.release(key)
            return failure(error, reattaching: true)
        }
        let job = Job.Client(await ticket.job { _, _ in }.pipeline(0))
        let handle = JobHandle(ticket: ticket, job: job)
        if !control.submitted(handle, reattached: true) { await handle.cancel() }
        let result = Task { try await job.result().results.output }
        control.set(.queued)
        return await follow(handle, result: result, reattaching: true, progress: &progress)
    }

    /// Reads the job's log from `progress.next` to its end, then its result. The pipeline slot is
    /// held until the log starts (a worker took the job).
    private func follow(
        _ handle: JobHandle,
        result: Task<String, any Error>,
        reattaching: Bool,
        progress: inout Progress
    ) async -> Attempt {
        var holdingSlot = true
        do {
            while true {
                let response = try await handle.job.log(start: progress.next)
                if holdingSlot {
                    holdingSlot = false
                    control.set(.running)
                    await limiter.release(key)
                }
                let chunk = try response.results.log
                if chunk.isEmpty { break }
                log.yield(chunk)
                progress.lastByte = chunk.last ?? progress.lastByte
                progress.next = response.results.next
            }
        } catch {
            if holdingSlot { await limiter.release(key) }
            // A reattached ticket whose job cannot give its log was cancelled, or is not kept.
            return failure(error, reattaching: reattaching && holdingSlot)
        }
        do {
            return .finished(.success(try await result.value))
        } catch {
            let reason = RPCError.from(error)
            if reason.kind == .disconnected && !control.cancelled { return .lost(reason) }
            return .finished(.failure(OClusterClientError(.job, reason.ocamlDescription, cause: error)))
        }
    }

    /// How a failed submission, restore or log call ends the attempt.
    private func failure(_ error: any Error, reattaching: Bool) -> Attempt {
        let reason = RPCError.from(error)
        if reason.kind == .disconnected && !control.cancelled { return .lost(reason) }
        if reattaching && !control.cancelled { return .gone(reason) }
        return .finished(
            .failure(OClusterClientError(.log, "Error tailing logs: \(reason.ocamlDescription)", cause: error))
        )
    }

    static let cancelled = OClusterClientError(.cancelled, "Build cancelled")

    /// Whether the connection under `service` still works: asks for its sturdy ref
    /// (capnp-rpc's `Persistent.save`, which the scheduler's submission service answers).
    /// A probe that gets no answer within 10 s counts as a dead connection.
    static func isAlive(_ service: Submission.Client) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                do {
                    _ = try await service.capability.call(
                        interfaceId: AdminSession.persistentInterfaceID,
                        methodId: 0
                    ) { payload in
                        _ = payload.content.initStruct(dataWords: 0, pointerCount: 1)
                    }
                    return true
                } catch {
                    return RPCError.from(error).kind != .disconnected
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }
}
