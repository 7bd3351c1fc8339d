// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC

/// A job just submitted: its ticket and, pipelined on it, the job itself.
///
/// Mirrors how ocluster's client uses the API: `submit` returns a Ticket, and `Ticket.job`
/// is called at once without waiting, so the log can be tailed as soon as a worker picks the
/// job up.
public struct SubmittedJob: Sendable {
    /// The ticket: cancel it to withdraw the job.
    public let ticket: Ticket.Client
    /// The job, usable before a worker has taken it (calls wait until then).
    public let job: Job.Client

    /// Submits a job to `pool`; `describe` fills in the job description.
    public static func submit(
        to submission: Submission.Client,
        pool: String,
        urgent: Bool = false,
        describe: (JobDescr.Builder) throws -> Void
    ) async -> SubmittedJob {
        let submitted = await submission.submit { params, _ in
            params.pool = pool
            params.urgent = urgent
            try describe(params.initDescr())
        }
        let ticket = Ticket.Client(submitted.pipeline(0))
        let job = await ticket.job { _, _ in }
        return SubmittedJob(ticket: ticket, job: Job.Client(job.pipeline(0)))
    }
}

extension Job.Client {
    /// The job's log from `offset` on, chunk by chunk as the worker writes it; ends at the end
    /// of the log (an empty chunk, as ocluster's protocol says).
    public func logChunks(from offset: Int64 = 0) -> AsyncThrowingStream<[UInt8], any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var next = offset
                do {
                    while !Task.isCancelled {
                        let response = try await log(start: next)
                        let chunk = try response.results.log
                        if chunk.isEmpty { break }
                        continuation.yield(chunk)
                        next = response.results.next
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
