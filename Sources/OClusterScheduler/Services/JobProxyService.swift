// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI

/// The `Job` a client gets from `Ticket.job`: forwards to the worker's `Job`, and names the worker when the
/// worker goes away.
///
/// ocluster hands the client the worker's capability itself (the scheduler's vat forwards the calls), so when a
/// worker dies mid-job the client sees the bare transport error, e.g. `Disconnected: Connection closed`. This
/// proxy returns `failed: Worker "NAME" disconnected while running the job (…)` instead; a job is never
/// silently re-run elsewhere (it may have side effects, such as a push). Releasing the proxy releases the
/// worker's `Job`, so a client that drops its references still cancels the job, as in ocluster.
final class JobProxyService: Job.Server {
    let worker: Job.Client
    let workerName: String

    init(worker: Job.Client, workerName: String) {
        self.worker = worker
        self.workerName = workerName
    }

    func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws {
        let start = params.start
        let pending = await worker.log { params, _ in params.start = start }
        let response = try await forwarding { try await pending.response() }
        results.log = try response.results.log
        results.next = response.results.next
    }

    func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    ) async throws {
        let pending = await worker.result { _, _ in }
        let response = try await forwarding { try await pending.response() }
        results.output = try response.results.output
    }

    func cancel(
        _ params: Job.CancelParams.Reader,
        _ results: Job.CancelResults.Builder,
        _ call: ServerCall
    ) async throws {
        let pending = await worker.cancel { _, _ in }
        _ = try await forwarding { try await pending.response() }
    }

    /// Waits for a forwarded call. If the client gives up (its call is cancelled, e.g. its connection
    /// dropped), this returns at once so that the proxy, and with it the worker's `Job`, can be released.
    private func forwarding<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await awaitCancellable(body)
        } catch let error as RPCError where error.kind == .disconnected {
            throw RPCError(
                .failed,
                "Worker \(ocamlQuoted(workerName)) disconnected while running the job (\(error.reason))"
            )
        }
    }
}
