// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import OClusterAPI
import Synchronization

/// `scheduler-bench client`: one client of the scheduler (one submission capability, one
/// connection), using the API as `ocluster-client submit` does (`bin/client.ml`): `submit` gives a
/// ticket, `Ticket.job` is pipelined on it at once, then `Job.result` is called and the log is
/// tailed with `Job.log` until it ends, then the result is awaited; the ticket and job are
/// released when the job is over. Jobs are small Docker builds (a Dockerfile path, one commit)
/// with cache hints drawn from `hints` values, stamped with their submit time (``JobStamp``).
///
/// Commands on standard input:
/// - `fill N`: keep N jobs outstanding (submitted and not yet finished), submitting a new job
///   whenever one ends; at most `window` submissions wait for their ticket at a time while the
///   first N go in. Reports `filled` once the first N have their tickets.
/// - `sequential N`: N jobs one after the other, each submitted when the last has ended (the
///   latency with idle workers). Reports `done`.
struct SimulatedClients {
    var submission: String
    var pool: String
    var hints: Int
    var window: Int
    var name: String
    /// A directory where the connection's key is kept between runs, if any.
    var keys: String?

    func run() async throws {
        FileLimit.raiseToMaximum()
        let ref = try CapFile.resolve(submission)
        let network = VatNetwork.singleThreaded(
            clientKey: try ClientKeys.rsa(cache: keys.map { "\($0)/client-\(name).pem" })
        )
        let commands = DriverCommands.start()
        let next = Tally()
        let client = self
        try await RPCSession.with(network, ref) { capability in
            let submission = Submission.Client(capability)
            DriverCommands.report("ready")
            try await withThrowingTaskGroup(of: Void.self) { group in
                while let command = await commands.next() {
                    let words = command.split(separator: " ")
                    guard words.count == 2, let count = Int(words[1]) else { continue }
                    switch words[0] {
                    case "fill":
                        for index in 0..<count {
                            let started = await client.start(
                                submission,
                                hint: next.next()
                            )
                            if index % client.window == client.window - 1 || index == count - 1 {
                                _ = try await started.submitted.response()
                            }
                            group.addTask {
                                var job = started
                                while true {
                                    try await job.follow()
                                    job = await client.start(
                                        submission,
                                        hint: next.next()
                                    )
                                }
                            }
                        }
                        DriverCommands.report("filled")
                    case "sequential":
                        for _ in 0..<count {
                            try await client.start(
                                submission,
                                hint: next.next()
                            ).follow()
                        }
                        DriverCommands.report("done")
                    default:
                        continue
                    }
                }
                // The driver is done with us: end at once, connections and all.
                exit(0)
            }
        }
    }

    /// A job being submitted: the `submit` call, and the job's `result` call already sent. The
    /// ticket is held until the job is over: releasing it earlier would cancel a queued job.
    struct Started: Sendable {
        var submitted: PendingCall<Submission.SubmitResults.Reader>
        var ticket: Ticket.Client
        var job: Job.Client
        var result: PendingCall<Job.ResultResults.Reader>

        /// Tails the log to its end, then waits for the result, as ocluster's client does.
        func follow() async throws {
            var offset: Int64 = 0
            while true {
                let chunk = try await job.log(start: offset).results
                if try chunk.logView.count == 0 { break }
                offset = chunk.next
            }
            _ = try await result.response()
        }
    }

    /// Submits job number `index` and, pipelined, asks for its job and result.
    private func start(_ submission: Submission.Client, hint index: Int) async -> Started {
        let hint = "hint-\(index % max(1, hints))"
        let stamp = JobStamp.repository(submittedAt: MonotonicClock.nanoseconds())
        let pool = pool
        let submitted = await submission.submit { params, _ in
            params.pool = pool
            let descr = params.initDescr()
            descr.action.initDockerBuild().dockerfile.path = "Dockerfile"
            descr.cacheHint = hint
            descr.repository = stamp
            descr.setCommits(["0123456789abcdef0123456789abcdef01234567"])
        }
        let ticket = Ticket.Client(submitted.pipeline(0))
        let job = Job.Client(await ticket.job { _, _ in }.pipeline(0))
        let result = await job.result { _, _ in }
        return Started(submitted: submitted, ticket: ticket, job: job, result: result)
    }
}
