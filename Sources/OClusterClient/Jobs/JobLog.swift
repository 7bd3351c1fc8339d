// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import OClusterAPI

/// A job's log as it is written: each element is the next chunk of bytes, and the sequence ends
/// with the log (ocluster's `Job.log` answers an empty chunk at the end).
///
/// Each step is one `Job.log` call, made when the consumer asks for the next chunk, so a slow
/// consumer never makes the log pile up in memory here.
public struct JobLog: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let job: Job.Client
    let offset: Int64

    /// The log of `job` from byte `offset` on.
    public init(job: Job.Client, from offset: Int64 = 0) {
        self.job = job
        self.offset = offset
    }

    public func makeAsyncIterator() -> Iterator { Iterator(job: job, next: offset) }

    /// Reads one chunk per call.
    public struct Iterator: AsyncIteratorProtocol {
        let job: Job.Client
        var next: Int64
        var finished = false

        /// The next chunk, or `nil` at the end of the log.
        ///
        /// - Throws: the `RPCError` of the `Job.log` call (e.g. the job could not be queued).
        public mutating func next() async throws -> [UInt8]? {
            guard !finished else { return nil }
            let response = try await job.log(start: next)
            let chunk = try response.results.log
            if chunk.isEmpty {
                finished = true
                return nil
            }
            next = response.results.next
            return chunk
        }
    }
}
