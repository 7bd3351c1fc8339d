// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import OClusterAPI

extension JobHandle {
    /// What `ocluster-client submit-*` does with a submitted job: prints `Tailing log:`, copies
    /// the log to standard output as it comes, then prints `Result: "…"` for a non-empty output,
    /// or the failure (`Failed: Build failed.`) on standard output.
    ///
    /// - Parameters:
    ///   - waiting: how to tell a person that the job is queued until a worker takes it: on a
    ///     terminal (``ConnectProgress/console(write:)``) `[ queued: waiting for a worker ]` after
    ///     a second, rubbed out when the log starts; with info logs, a log line. Nothing for
    ///     ``ConnectProgress/batch(write:)``, so that output to files and pipes stays as ocluster's.
    ///   - reattach: after the connection to the scheduler is lost mid-log, gives the job again
    ///     (see ``Connection/reattach(ticket:patience:backoff:)``): the log goes on from where it
    ///     stopped, after a line on standard error. Nil, or nil returned: the error, as ocluster.
    /// - Throws: ``OClusterClientErrorCode/log`` (`Error tailing logs: …`) when the log cannot be
    ///   read, ``OClusterClientErrorCode/reported`` when the job failed.
    public func follow(
        printingTo output: CommandOutput,
        waiting: ConnectProgress = .silent,
        reattach: (@Sendable () async -> JobHandle?)? = nil
    ) async throws(OClusterClientError) {
        // Asked for before the log, as ocluster does, so the answer is on its way meanwhile.
        var result = Self.askResult(job)
        output.out("Tailing log:")
        var chunks = log.makeAsyncIterator()
        var started = false
        // The error that lost the connection, while the reattached ticket has not yet given a chunk.
        var lost: OClusterClientError?
        while true {
            let chunk: [UInt8]?
            do {
                if started {
                    chunk = try await Self.next(&chunks)
                } else {
                    // The first chunk comes once a worker has the job: until then it is queued.
                    chunk = try await Self.whileQueued(waiting) { () async throws(OClusterClientError) -> [UInt8]? in
                        try await Self.next(&chunks)
                    }
                }
            } catch {
                let disconnected = RPCError.from(error.cause ?? error).kind == .disconnected
                // A saved ticket the scheduler no longer knows: the job went with the connection.
                if let lost, !disconnected { throw lost }
                guard let reattach, disconnected, let handle = await reattach() else { throw lost ?? error }
                lost = lost ?? error
                output.err("Lost the connection to the build cluster; reattaching to the job")
                result.cancel()
                result = Self.askResult(handle.job)
                chunks = handle.log(from: chunks.next).makeAsyncIterator()
                started = false
                continue
            }
            guard let bytes = chunk else { break }
            started = true
            lost = nil
            output.writeOut(bytes)
        }
        let text: String
        do {
            text = try await result.value
        } catch {
            output.out("\(RPCError.from(error).ocamlDescription).")
            throw .reported(cause: error)
        }
        if !text.isEmpty { output.out("Result: \(ocamlQuoted(text))") }
    }

    private static func askResult(_ job: Job.Client) -> Task<String, any Error> {
        Task { try await job.result().results.output }
    }

    private static func next(_ chunks: inout JobLog.Iterator) async throws(OClusterClientError) -> [UInt8]? {
        do {
            return try await chunks.next()
        } catch {
            throw OClusterClientError(
                .log,
                "Error tailing logs: \(RPCError.from(error).ocamlDescription)",
                cause: error
            )
        }
    }

    /// Runs `body` (waiting for a worker), showing that the job is queued as `progress` says.
    private static func whileQueued<T>(
        _ progress: ConnectProgress,
        _ body: () async throws(OClusterClientError) -> T
    ) async throws(OClusterClientError) -> T {
        switch progress {
        case .silent, .batch:
            return try await body()
        case .console(let write):
            // The scheduler's API does not tell a client its place in the queue, so none is shown.
            return try await ConsoleMessage(write: write).showing(
                "[ queued: waiting for a worker ]",
                after: .seconds(1),
                body
            )
        case .log(let logger):
            logger.info("Job queued: waiting for a worker")
            let value = try await body()
            logger.info("A worker has the job")
            return value
        }
    }
}
