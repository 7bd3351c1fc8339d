// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
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

    /// How one submission ended.
    private enum Attempt {
        case finished(Result<String, OClusterClientError>)
        /// The connection to the scheduler went with the job still unfinished.
        case lost(RPCError)
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
        var lastByte: UInt8 = 0x0A
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
            switch await submitOnce(connected.service, lastByte: &lastByte) {
            case .finished(let result):
                return result
            case .lost(let error):
                // A job can also fail `Disconnected` because its worker went: the OCurrent plugin
                // reports that, and resubmits only when the scheduler's connection is the problem.
                if await Self.isAlive(connected.service) {
                    return .failure(OClusterClientError(.job, error.ocamlDescription, cause: error))
                }
                await link.lost(connected.generation, reason: error.reason)
                let notice =
                    (lastByte == 0x0A ? "" : "\n")
                    + "Lost the connection to the build cluster (\(error.reason)); submitting the job again\n"
                log.yield(Array(notice.utf8))
                lastByte = 0x0A
            }
        }
    }

    /// Submits the job once, holding a pipeline slot until a worker takes it.
    private func submitOnce(_ service: Submission.Client, lastByte: inout UInt8) async -> Attempt {
        var holdingSlot = true
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
            control.set(.queued)
            var next: Int64 = 0
            while true {
                let response = try await job.log(start: next)
                if holdingSlot {
                    holdingSlot = false
                    control.set(.running)
                    await limiter.release(key)
                }
                let chunk = try response.results.log
                if chunk.isEmpty { break }
                log.yield(chunk)
                lastByte = chunk.last ?? lastByte
                next = response.results.next
            }
        } catch {
            if holdingSlot { await limiter.release(key) }
            let reason = RPCError.from(error)
            if reason.kind == .disconnected && !control.cancelled { return .lost(reason) }
            return .finished(
                .failure(OClusterClientError(.log, "Error tailing logs: \(reason.ocamlDescription)", cause: error))
            )
        }
        do {
            return .finished(.success(try await result.value))
        } catch {
            let reason = RPCError.from(error)
            if reason.kind == .disconnected && !control.cancelled { return .lost(reason) }
            return .finished(.failure(OClusterClientError(.job, reason.ocamlDescription, cause: error)))
        }
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
