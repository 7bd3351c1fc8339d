// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import OClusterAPI

/// A job just submitted: its ticket and, pipelined on it, the job itself.
///
/// As ocluster's client uses the API: `submit` returns a `Ticket`, and `Ticket.job` is called at
/// once without waiting, so the log can be read as soon as a worker takes the job (calls on the
/// job wait until then).
public struct JobHandle: Sendable {
    /// The ticket: cancelling it withdraws the job while it is queued.
    public let ticket: Ticket.Client
    /// The job, usable before a worker has taken it.
    public let job: Job.Client

    /// A handle on a ticket and its job.
    public init(ticket: Ticket.Client, job: Job.Client) {
        self.ticket = ticket
        self.job = job
    }

    /// The job's log from the start.
    public var log: JobLog { JobLog(job: job) }

    /// The job's log from byte `offset` on.
    public func log(from offset: Int64) -> JobLog { JobLog(job: job, from: offset) }

    /// Waits for the job to finish and returns its output (`""`, a pushed image's digest, an
    /// OBuilder snapshot id…).
    ///
    /// - Throws: the job's `RPCError` when it failed (`Build failed`, `Build cancelled`, or why it
    ///   could not be queued).
    public func result() async throws -> String {
        try await job.result().results.output
    }

    /// The service ID of the ticket's sturdy ref (capnp-rpc's `Persistent.save`), to reattach to
    /// the job after a lost connection; nil if the scheduler cannot save tickets (ocluster's
    /// answers `unimplemented`) or the job was refused.
    ///
    /// - Throws: ``OClusterClientErrorCode/connection`` when the connection was lost before the
    ///   ticket was saved (the submission's answer included): then nobody can reach the job. A
    ///   scheduler that stays up cancels it with its released ticket; ours, restarted, holds it
    ///   until the reattach timeout cancels it. Either way it never runs, so it may be submitted again.
    public func saveTicket() async throws(OClusterClientError) -> ServiceID? {
        do {
            let saved = try await ticket.capability.call(
                interfaceId: AdminSession.persistentInterfaceID,
                methodId: 0
            ) { payload in
                _ = payload.content.initStruct(dataWords: 0, pointerCount: 1)
            }
            return try SturdyRef(parsing: try saved.content.readStruct().pointer(0).readText()).serviceID
        } catch {
            let failure = RPCError.from(error)
            guard failure.kind == .disconnected else { return nil }
            throw OClusterClientError(.connection, failure.ocamlDescription, cause: error)
        }
    }

    /// Asks the cluster to cancel the job: the ticket (while queued) and the job (once running).
    /// Errors are ignored, as the job may have ended already.
    public func cancel() async {
        _ = try? await ticket.cancel()
        _ = try? await job.cancel()
    }
}

extension Submission.Client {
    /// Submits `spec` to `pool`.
    ///
    /// The job is checked first (``JobSpec/validate()``), then sent; the call is not awaited, so
    /// a refusal by the scheduler (unknown pool, revoked client) shows up on the handle's first
    /// call, as in ocluster.
    ///
    /// - Throws: ``OClusterClientErrorCode/invalidJob`` with the ``JobSpecError`` as its cause.
    public func submit(
        _ spec: JobSpec,
        pool: String,
        urgent: Bool = false
    ) async throws(OClusterClientError)
        -> JobHandle
    {
        do {
            try spec.validate()
        } catch {
            throw OClusterClientError(.invalidJob, error.message, cause: error)
        }
        let submitted = await submit { params, _ in
            params.pool = pool
            params.urgent = urgent
            try spec.write(to: params.initDescr())
        }
        let ticket = Ticket.Client(submitted.pipeline(0))
        let job = await ticket.job { _, _ in }
        return JobHandle(ticket: ticket, job: Job.Client(job.pipeline(0)))
    }
}
