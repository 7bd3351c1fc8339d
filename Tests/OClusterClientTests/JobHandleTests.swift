// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI
import OClusterClient
import TestSupport
import Testing

/// A worker's job whose log and outcome are given up front.
struct FakeJob: Job.Server {
    let chunks: [[UInt8]]
    let outcome: Result<String, RPCError>
    /// How long the first read waits (as while the job is queued).
    var queuedFor: Duration = .zero
    /// What else the first read waits for.
    var queuedUntil: (@Sendable () async -> Void)?

    func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws {
        if params.start == 0, queuedFor > .zero { try await Task.sleep(for: queuedFor) }
        if params.start == 0, let queuedUntil { await queuedUntil() }
        var start = Int(params.start)
        for chunk in chunks {
            if start < chunk.count {
                results.log = Array(chunk[start...])
                results.next = params.start + Int64(chunk.count - start)
                return
            }
            start -= chunk.count
        }
        results.log = []
        results.next = params.start
    }

    func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.output = try outcome.get()
    }

    func cancel(
        _ params: Job.CancelParams.Reader,
        _ results: Job.CancelResults.Builder,
        _ call: ServerCall
    )
        async throws
    {}
}

/// What `ocluster-client` prints while following a job (ocluster's `bin/client.ml`).
@Suite struct JobHandleTests {
    let captured = CapturedOutput()

    func handle(_ job: Job.Client) -> JobHandle {
        JobHandle(ticket: Ticket.Client(.broken(RPCError(.failed, "no ticket"))), job: job)
    }

    @Test func logThenQuotedResult() async throws {
        let job = FakeJob(
            chunks: [Array("Building on w1\n".utf8), Array("done\n".utf8)],
            outcome: .success("sha\"1\n")
        )
        try await handle(Job.client(job)).follow(printingTo: captured.output)
        #expect(captured.stdout == "Tailing log:\nBuilding on w1\ndone\nResult: \"sha\\\"1\\n\"\n")
        #expect(captured.stderr == "")
    }

    @Test func emptyResultPrintsNothingMore() async throws {
        let job = FakeJob(chunks: [Array("log\n".utf8)], outcome: .success(""))
        try await handle(Job.client(job)).follow(printingTo: captured.output)
        #expect(captured.stdout == "Tailing log:\nlog\n")
    }

    @Test func failedJobIsPrintedOnStdoutWithAFullStop() async throws {
        let job = FakeJob(chunks: [Array("oops\n".utf8)], outcome: .failure(RPCError(.failed, "Build failed")))
        let error = await #expect(throws: OClusterClientError(.reported, "")) {
            try await handle(Job.client(job)).follow(printingTo: captured.output)
        }
        #expect(error?.message == "")
        #expect(captured.stdout == "Tailing log:\noops\nFailed: Build failed.\n")
    }

    @Test func unreadableLogIsAnErrorTailingLogs() async throws {
        let broken = Capability.broken(RPCError(.failed, "Pool ID \"x\" not one of {a}"))
        let error = await #expect(throws: OClusterClientError(.log, "")) {
            try await handle(Job.Client(broken)).follow(printingTo: captured.output)
        }
        #expect(error?.message == "Error tailing logs: Failed: Pool ID \"x\" not one of {a}")
        #expect(captured.stdout == "Tailing log:\n")
    }

    @Test func aQueuedJobIsShownOnATerminalAndRubbedOut() async throws {
        // The job stays queued until the message is shown (however long a loaded machine takes).
        let captured = captured
        let job = FakeJob(chunks: [Array("log\n".utf8)], outcome: .success("")) {
            _ = await eventually(timeout: .seconds(120)) { captured.stderr.contains("queued") }
        }
        let output = captured.output
        try await handle(Job.client(job)).follow(
            printingTo: output,
            waiting: .console(write: { output.writeErr(Array($0.utf8)) })
        )
        let message = "[ queued: waiting for a worker ]"
        #expect(captured.stderr == message + "\r" + String(repeating: " ", count: message.count) + "\r")
        #expect(captured.stdout == "Tailing log:\nlog\n")
    }

    @Test func notOnATerminalNothingMoreIsPrinted() async throws {
        // ocluster prints nothing while a job is queued; scripts read this output.
        let job = FakeJob(chunks: [Array("log\n".utf8)], outcome: .success(""), queuedFor: .milliseconds(1200))
        let output = captured.output
        try await handle(Job.client(job)).follow(
            printingTo: output,
            waiting: .batch(write: { output.writeErr(Array($0.utf8)) })
        )
        #expect(captured.stderr == "")
        #expect(captured.stdout == "Tailing log:\nlog\n")
    }

    @Test func logReadsFromAnOffsetAndEnds() async throws {
        let job = FakeJob(chunks: [Array("abc".utf8), Array("def".utf8)], outcome: .success(""))
        var chunks: [String] = []
        for try await chunk in handle(Job.client(job)).log(from: 1) {
            chunks.append(String(decoding: chunk, as: UTF8.self))
        }
        #expect(chunks == ["bc", "def"])
    }

    /// A job whose connection is lost after its first chunk.
    struct DroppingJob: Job.Server {
        func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws {
            guard params.start == 0 else { throw RPCError(.disconnected, "Connection reset") }
            results.log = Array("abc".utf8)
            results.next = 3
        }

        func result(
            _ params: Job.ResultParams.Reader,
            _ results: Job.ResultResults.Builder,
            _ call: ServerCall
        ) async throws { throw RPCError(.disconnected, "Connection reset") }

        func cancel(
            _ params: Job.CancelParams.Reader,
            _ results: Job.CancelResults.Builder,
            _ call: ServerCall
        ) async throws {}
    }

    @Test func aLostConnectionReattachesAndTheLogGoesOnFromItsOffset() async throws {
        let again = handle(
            Job.client(FakeJob(chunks: [Array("abc".utf8), Array("def\n".utf8)], outcome: .success("id")))
        )
        try await handle(Job.client(DroppingJob())).follow(printingTo: captured.output) { again }
        #expect(captured.stdout == "Tailing log:\nabcdef\nResult: \"id\"\n")
        #expect(captured.stderr == "Lost the connection to the build cluster; reattaching to the job\n")
    }

    @Test func aTicketTheSchedulerNoLongerKnowsReportsTheLostConnection() async throws {
        let unknown = handle(Job.Client(.broken(RPCError(.failed, "Unknown persistent service ID"))))
        let error = await #expect(throws: OClusterClientError(.log, "")) {
            try await handle(Job.client(DroppingJob())).follow(printingTo: captured.output) { unknown }
        }
        #expect(
            error?.message.hasPrefix("Error tailing logs: Disconnected: Connection reset") == true,
            "\(error?.message ?? "")"
        )
        #expect(captured.stdout == "Tailing log:\nabc")
        // Without a saved ticket (an OCaml scheduler), the lost connection is the error at once.
        let plain = CapturedOutput()
        await #expect(throws: OClusterClientError(.log, "")) {
            try await handle(Job.client(DroppingJob())).follow(printingTo: plain.output)
        }
        #expect(plain.stderr == "")
    }
}
