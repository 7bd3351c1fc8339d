// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork
import CapnProtoRPC
import OClusterAPI

extension Connection {
    /// Submits `spec` through `service` (this connection's `Submission`) and saves the job's ticket
    /// (``JobHandle/saveTicket()``), so that a lost connection can reattach to the job.
    ///
    /// When the connection is lost before the ticket is saved, nobody can reach the job, and it never
    /// runs (see ``JobHandle/saveTicket()``): it is submitted again on a new connection, at most
    /// `retries` times, after calling `resubmitting`. Against ocluster's scheduler, which cannot save
    /// tickets, the ticket is nil and nothing is submitted twice unless the connection was lost.
    ///
    /// - Returns: the job, and its ticket's service ID (nil: not saved).
    /// - Throws: ``OClusterClientErrorCode/invalidJob`` before anything is sent.
    public func submitSaved(
        _ spec: JobSpec,
        pool: String,
        urgent: Bool = false,
        through service: Capability,
        retries: Int = 3,
        resubmitting: () -> Void = {}
    ) async throws(OClusterClientError) -> (job: JobHandle, ticket: ServiceID?) {
        var job = try await Submission.Client(service).submit(spec, pool: pool, urgent: urgent)
        for attempt in 0... {
            do {
                return (job, try await job.saveTicket())
            } catch {
                // Out of retries, or no scheduler to submit to: following the job reports the loss.
                guard attempt < retries, let again = await redial() else { return (job, nil) }
                resubmitting()
                job = try await Submission.Client(again).submit(spec, pool: pool, urgent: urgent)
            }
        }
        return (job, nil)
    }
}
