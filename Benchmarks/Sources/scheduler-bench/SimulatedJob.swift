// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI

/// The `Job` object a simulated worker hands over with each `pop`, behaving as ocluster's worker's
/// (`Cluster_api.Job.local`): `log(start)` returns what was written from `start` on and waits while
/// the job runs and nothing new is there; `result()` waits for the end. The simulated build takes
/// no time: ``finish()`` writes the log lines ocluster's worker writes and ends the job.
final class SimulatedJob: Job.Server {
    private let worker: String
    private let finished = PromiseCell<[UInt8]>()

    init(worker: String) { self.worker = worker }

    /// The build is over (it succeeded at once).
    func finish() {
        finished.resolve(Array("Building on \(worker)\nJob succeeded\n".utf8))
    }

    func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws {
        // The whole log exists once the (instant) build is over; before that there is nothing to read.
        let log = await finished.wait()
        let start = Int(clamping: max(0, params.start))
        if start < log.count { results.log = Array(log[start...]) }
        results.next = Int64(max(start, log.count))
    }

    func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    ) async throws {
        _ = await finished.wait()
        results.output = ""
    }

    func cancel(
        _ params: Job.CancelParams.Reader,
        _ results: Job.CancelResults.Builder,
        _ call: ServerCall
    ) async throws {}
}
