// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import OClusterAPI

/// A client's `Submission` endpoint: submits jobs to any pool under the client's id, and answers capnp-rpc's
/// `Persistent.save` with its own sturdy ref URI (what `ocluster-admin add-client` prints).
///
/// Every `submit` first checks that the endpoint has not been removed ("Access has been revoked").
final class SubmissionService: Submission.Server {
    let scheduler: Scheduler
    let client: String
    let serviceID: [UInt8]
    let digest: [UInt8]
    let sturdyRef: @Sendable ([UInt8]) -> String?

    init(
        scheduler: Scheduler,
        client: String,
        serviceID: [UInt8],
        sturdyRef: @escaping @Sendable ([UInt8]) -> String?
    ) {
        self.scheduler = scheduler
        self.client = client
        self.serviceID = serviceID
        self.digest = SHA256.digest(serviceID)
        self.sturdyRef = sturdyRef
    }

    func dispatch(_ call: ServerCall) async throws {
        if call.interfaceId == Submission.interfaceID { return try await _dispatchSubmission(call) }
        guard call.isPersistentSave else { throw call.unimplemented() }
        try call.answerSave(sturdyRef(serviceID))
    }

    func submit(
        _ params: Submission.SubmitParams.Reader,
        _ results: Submission.SubmitResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        let ticket: Capability
        do {
            // One trip to the scheduler actor for the access check and the submission.
            let endpoint = Scheduler.Endpoint(digest: digest, client: client, serviceID: serviceID)
            let pool = try params.pool
            // Copied whole, unknown fields included.
            let descr = try StoredJobDescr(copying: params.descr)
            let cacheHint = (try? params.descr.cacheHint) ?? ""
            let urgent = params.urgent
            let (submitted, commit) = try await scheduler.perform { (scheduler) throws(SchedulerError) in
                let item = try scheduler.submit(
                    endpoint: endpoint,
                    pool: pool,
                    descr: descr,
                    cacheHint: cacheHint,
                    urgent: urgent
                )
                return (item, scheduler.core.queueCommit(for: item.jobID))
            }
            // The ticket is given only once the job is on disk: it then survives a restart. A job not saved
            // is cancelled, unless a worker has it already.
            if let commit, case .failure(let error) = await scheduler.waitForQueueCommit(commit),
                await scheduler.cancelQueued(submitted, reason: "Cannot save the job: \(error.message)")
            {
                throw SchedulerError(error)
            }
            ticket = Capability(TicketService(scheduler: scheduler, submitted: submitted, client: client))
        } catch let error as SchedulerError {
            ticket = .broken(error.rpcError)
        }
        call.results.setCapability(ticket, in: results.ticket)
    }
}
