// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import Foundation
import OClusterAPI
import OClusterClient
import Synchronization
import TestSupport
import Testing

/// `Connection`'s builds against a real scheduler process over TLS, through a proxy that drops
/// the connection while the job is queued and again while its log streams.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ResilientBuildTests {
    /// Prints lines the spec itself does not contain (the log echoes each command first).
    static let spec = #"""
        ((from busybox) (shell /bin/sh -c)
         (run (shell "echo first-$((1+1)); sleep 3; echo second-$((1+2))")))
        """#

    /// The tester's submission ref, its address moved to `port` on 127.0.0.1 if given (a proxy).
    static func submitRef(of cluster: ClusterHarness, through port: Int? = nil) throws -> SturdyRef {
        var ref = try SturdyRef(
            parsing: String(contentsOfFile: cluster.path("secrets/submit-tester.cap"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        )
        if let port { ref.address = .tcp(host: "127.0.0.1", port: port) }
        return ref
    }

    /// How many rows of the scheduler's saved queue match `condition` (read with sqlite3, while the
    /// scheduler runs).
    static func queuedRows(of cluster: ClusterHarness, where condition: String = "1") throws -> Int? {
        let count = try ClusterHarness.runBlocking(
            "/usr/bin/sqlite3",
            [cluster.path("state/scheduler.db"), "SELECT count(*) FROM queued_jobs WHERE \(condition)"]
        )
        return Int(count.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func buildIsResubmittedWhenTheConnectionDropsWhileQueuedAndWhileRunning() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        let proxy = try TCPProxy(to: cluster.port)
        defer { proxy.stop() }
        let ref = try Self.submitRef(of: cluster, through: proxy.port)
        let connection = Connection(
            ref: ref,
            maxPipeline: 1,
            reconnect: .init(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        )

        // No worker yet: the build waits in the scheduler's queue, the second one for a slot.
        let build = try connection.buildOBuilder(spec: Self.spec, pool: cluster.pool)
        try await waitUntil("the build is queued", timeout: .seconds(120)) { build.state == .queued }
        let second = try connection.buildOBuilder(
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo other-$((2+2))")))"#,
            pool: cluster.pool
        )
        try await waitUntil("the second build waits for a pipeline slot", timeout: .seconds(120)) {
            second.state == .rateLimited
        }
        #expect(QueueState.rateLimit.count >= 1)
        #expect(QueueState.getWorker.count >= 1)

        // Dropped mid-submission: the first build gives its slot back and joins the end of the line,
        // as the OCurrent plugin's pool does, so either build may be the one queued again.
        proxy.cut()
        try await waitUntil("one build is queued again, the other waits for the slot", timeout: .seconds(120)) {
            (build.state == .queued && build.submissions == 2 && second.state == .rateLimited)
                || (second.state == .queued && build.state == .rateLimited)
        }
        #expect(proxy.accepted >= 2)

        // Dropped mid-log: submitted a third time, and this time followed to the end.
        try cluster.startWorker("worker-1")
        var log = ""
        var cut = false
        // On a loaded machine the log may arrive late, the job's end with its start.
        var cutMidRun = false
        for try await chunk in build.log {
            log += String(decoding: chunk, as: UTF8.self)
            if !cut, log.contains("first-2") {
                cut = true
                cutMidRun = !log.contains("second-3")
                proxy.cut()
            }
        }
        let output = try await build.result()
        #expect(build.submissions == 3)
        #expect(build.state == .finished)
        let notices = log.components(separatedBy: "submitting the job again\n")
        #expect(notices.count == 3, "\(log)")
        let last = notices.last ?? ""
        #expect(last.contains("first-2") && last.contains("second-3"), "\(log)")
        if cutMidRun { #expect(notices.dropLast().allSatisfy { !$0.contains("second-3") }, "\(log)") }
        // The result comes once, and is the same when asked again.
        #expect(try await build.result() == output)

        // The slot passed on: the second build ran too.
        var otherLog = ""
        for try await chunk in second.log { otherLog += String(decoding: chunk, as: UTF8.self) }
        _ = try await second.result()
        #expect(otherLog.contains("other-4"))
        await connection.close()
    }

    /// The scheduler is killed with -9 while the job is queued (no worker yet) and started again;
    /// the client, which kept running, reattaches through the ticket it saved: a worker that joins
    /// later runs the job once, and the client gets its log and its result once.
    @Test func buildReattachesAfterTheSchedulerIsKilled() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        let ref = try Self.submitRef(of: cluster)
        let connection = Connection(
            ref: ref,
            reconnect: .init(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        )
        let build = try connection.buildOBuilder(spec: Self.spec, pool: cluster.pool, cacheHint: "reattach-once")
        try await waitUntil("the build is queued, its ticket saved") { build.state == .queued }

        cluster.stop("scheduler", signal: SIGKILL)
        try await cluster.startScheduler()
        try await waitUntil("the build reattaches") { build.reattachments == 1 && build.state == .queued }
        try cluster.startWorker("worker-1")
        var log = ""
        for try await chunk in build.log { log += String(decoding: chunk, as: UTF8.self) }
        let output = try await build.result()
        #expect(!output.isEmpty)
        #expect(build.submissions == 1 && build.reattachments == 1)
        #expect(log.components(separatedBy: "reattaching to the job\n").count == 2, "\(log)")
        #expect(!log.contains("submitting the job again"), "\(log)")
        #expect(log.components(separatedBy: "first-2").count == 2 && log.contains("second-3"), "\(log)")
        // The worker ran it once.
        #expect(cluster.log("worker-1").components(separatedBy: "(reattach-once)").count == 2)
        await connection.close()
    }

    /// The job finishes while the link to its client is stalled, and the scheduler is killed with -9
    /// before the client read the result: the scheduler had kept the result in the job's row, so the
    /// client that reattaches reads a line saying the rest of the log is gone, then the result, and
    /// the job did not run again.
    @Test func buildGetsTheResultOfAJobThatFinishedBeforeTheSchedulerWasKilled() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        let proxy = try TCPProxy(to: cluster.port)
        defer { proxy.stop() }
        let ref = try Self.submitRef(of: cluster, through: proxy.port)
        let connection = Connection(
            ref: ref,
            reconnect: .init(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        )
        let build = try connection.buildOBuilder(spec: Self.spec, pool: cluster.pool, cacheHint: "finished-once")
        var log = ""
        var chunks = build.log.makeAsyncIterator()
        while !log.contains("first-2"), let chunk = try await chunks.next() {
            log += String(decoding: chunk, as: UTF8.self)
        }
        proxy.hold()
        try await cluster.waitFor("the scheduler to keep the job's result", timeout: 120) {
            try Self.queuedRows(of: cluster, where: "result IS NOT NULL") == 1
        }
        cluster.stop("scheduler", signal: SIGKILL)
        proxy.cut()
        try await cluster.startScheduler()
        while let chunk = try await chunks.next() { log += String(decoding: chunk, as: UTF8.self) }
        let output = try await build.result()
        #expect(!output.isEmpty)
        #expect(build.submissions == 1 && build.reattachments == 1, "\(log)")
        #expect(
            log.contains("--- scheduler restarted after the job finished; the rest of its log is gone ---"),
            "\(log)"
        )
        #expect(log.components(separatedBy: "first-2").count == 2, "\(log)")
        // The worker ran it once.
        #expect(cluster.log("worker-1").components(separatedBy: "(finished-once)").count == 2)
        await connection.close()
    }

    /// The scheduler queues the job and saves its ticket, but the answers never reach the client:
    /// the connection is lost first. The job is then out of the client's reach, so the client
    /// submits it again on a new connection; the first copy, its ticket released with the lost
    /// connection, is cancelled, and the worker runs the job once.
    @Test func aJobWhoseTicketWasNotSavedIsSubmittedAgain() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        let proxy = try TCPProxy(to: cluster.port)
        defer { proxy.stop() }
        let ref = try Self.submitRef(of: cluster, through: proxy.port)
        let connection = Connection(ref: ref)
        let service = try await connection.connect()
        proxy.hold([.toClient])
        let resubmissions = Mutex(0)
        async let submitted = connection.submitSaved(
            JobSpec(action: .obuilder(spec: Self.spec), cacheHint: "saved-once"),
            pool: cluster.pool,
            through: service
        ) { resubmissions.withLock { $0 += 1 } }
        try await cluster.waitFor("the first copy to be queued", timeout: 60) {
            try Self.queuedRows(of: cluster) == 1
        }
        proxy.cut()
        let (job, ticket) = try await submitted
        #expect(ticket != nil)
        #expect(resubmissions.withLock { $0 } == 1)
        try cluster.startWorker("worker-1")
        var log = ""
        for try await chunk in job.log(from: 0) { log += String(decoding: chunk, as: UTF8.self) }
        #expect(!(try await job.result()).isEmpty)
        #expect(log.contains("second-3"), "\(log)")
        #expect(cluster.log("worker-1").components(separatedBy: "(saved-once)").count == 2)
        await connection.close()
    }

    /// `ocluster-client submit-obuilder` keeps running through a kill -9 of the scheduler while
    /// its job is queued: it reattaches, and prints the log and the result of the one run.
    @Test func theCommandLineClientReattachesAfterTheSchedulerIsKilled() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        let client = try cluster.submitInBackground("client", spec: Self.spec, cacheHint: "cli-once")
        // "Tailing log:" comes once the ticket is saved.
        try await cluster.waitFor("the job to be queued", timeout: 60) {
            cluster.log("client").contains("Tailing log:")
        }
        cluster.stop("scheduler", signal: SIGKILL)
        try await cluster.startScheduler()
        try await cluster.waitFor("the client to reattach", timeout: 60) {
            cluster.log("client").contains("reattaching to the job")
        }
        try cluster.startWorker("worker-1")
        try await cluster.waitFor("the client to finish", timeout: 120) { !client.isRunning }
        let output = cluster.log("client")
        #expect(client.terminationStatus == 0, "\(output)")
        #expect(output.components(separatedBy: "first-2").count == 2 && output.contains("second-3"), "\(output)")
        #expect(output.components(separatedBy: "Result: ").count == 2, "\(output)")
        #expect(cluster.log("worker-1").components(separatedBy: "(cli-once)").count == 2)
    }

    @Test func aFailedJobIsReportedNotResubmitted() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        let connection = try Connection(capFile: cluster.path("secrets/submit-tester.cap"))
        let build = try connection.buildOBuilder(
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "exit 3")))"#,
            pool: cluster.pool
        )
        for try await _ in build.log {}
        await #expect(throws: OClusterClientError.self) { try await build.result() }
        do {
            _ = try await build.result()
        } catch {
            #expect(error.code == .job)
            #expect(error.message.hasPrefix("Failed: "), "\(error.message)")
        }
        #expect(build.submissions == 1)
        await connection.close()
    }

    @Test func aBuildWaitingForTheSchedulerCanBeCancelled() async throws {
        // Nothing listens on this port: the build keeps retrying until it is cancelled.
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        let ref = try Self.submitRef(of: cluster, through: 1)
        let connection = Connection(ref: ref, reconnect: .init(initialDelay: .milliseconds(50)))
        let build = try connection.buildOBuilder(spec: Self.spec, pool: cluster.pool)
        try await waitUntil("the build waits for a connection", timeout: .seconds(120)) { build.state == .connecting }
        await build.cancel()
        do {
            _ = try await build.result()
            Issue.record("a cancelled build succeeded")
        } catch {
            #expect(error.code == .cancelled)
        }
        #expect(build.submissions == 0)
        await connection.close()
    }
}
