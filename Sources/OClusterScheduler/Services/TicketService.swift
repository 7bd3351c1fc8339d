// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import OClusterAPI

/// A submitted job's `Ticket`.
///
/// `job` answers once a worker has taken the job, with the worker's `Job` (behind a ``JobProxyService``); calls the
/// client pipelines on it wait until then, as on ocluster's promise. `cancel` removes a queued job ("Ticket
/// cancelled") or forwards `Job.cancel` to the worker. Releasing the ticket while the job is still queued
/// cancels it ("Ticket released (cancelled)").
///
/// It also answers capnp-rpc's `Persistent.save` with a sturdy ref that a client can restore after a scheduler
/// restart, to reattach to the job (see ``SchedulerServices``).
final class TicketService: Ticket.Server {
    let scheduler: Scheduler
    let submitted: Scheduler.Submitted
    let client: String

    init(scheduler: Scheduler, submitted: Scheduler.Submitted, client: String) {
        self.scheduler = scheduler
        self.submitted = submitted
        self.client = client
    }

    deinit { scheduler.ticketReleased(submitted) }

    func dispatch(_ call: ServerCall) async throws {
        if call.interfaceId == Ticket.interfaceID { return try await _dispatchTicket(call) }
        guard call.isPersistentSave else { throw call.unimplemented() }
        try call.answerSave(scheduler.savedTickets.save(submitted, client: client, as: .ticket))
    }

    /// `job` (method 0) waits for a worker to take the job: held without a task until then.
    func gate(for call: ServerCall) -> (any CallGate)? {
        guard call.interfaceId == Ticket.interfaceID, call.methodId == 0, submitted.promise.current == nil else {
            return nil
        }
        return submitted.promise
    }

    func job(_ params: Ticket.JobParams.Reader, _ results: Ticket.JobResults.Builder, _ call: ServerCall) async throws {
        let job = try await (submitted.promise.waitUnlessCancelled() ?? .failure(RPCError(.failed, "Call cancelled")))
            .get()
        call.results.setCapability(job, in: results.job)
    }

    func cancel(
        _ params: Ticket.CancelParams.Reader,
        _ results: Ticket.CancelResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        if await scheduler.cancelQueued(submitted, reason: "Ticket cancelled") {
            return
        }
        switch submitted.promise.current {
        case .success(let job)?:
            _ = try await Job.Client(job).cancel()
        case .failure(let error)?:
            // Already cancelled: as in ocluster, cancelling the broken job promise reports why.
            throw error
        case nil:
            // Being handed to a worker at this very moment: nothing queued to remove yet.
            return
        }
    }
}
