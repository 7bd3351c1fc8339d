// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// Jobs whose worker dies (`kill -9`) or hangs (SIGSTOP) mid-job run again on another worker, with real
/// scheduler, worker and client processes over TLS; the client's log shows both attempts.
@Suite(.serialized, .ownThread, .timeLimit(.minutes(5))) struct RequeueTests {
    /// Prints a line, waits (so the test can act mid-job), prints another.
    static let spec =
        #"((from busybox) (shell /bin/sh -c) (run (shell "echo started-$((1+1)); sleep 4; echo ended-$((2+3))")))"#

    /// The requeue line the client prints, and what comes after it.
    static func afterRequeue(_ log: String, lost worker: String) -> Substring? {
        guard let line = log.range(of: "--- worker \(worker) lost (") else { return nil }
        return log[line.upperBound...]
    }

    @Test func killedWorkersJobCompletesOnAnotherWorker() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let client = try cluster.submitInBackground("moved", spec: Self.spec, cacheHint: "moved")
        try await cluster.waitFor("the job to start", timeout: 60) { cluster.log("moved").contains("started-2") }
        cluster.stop("worker-1", signal: SIGKILL)
        try cluster.startWorker("worker-2")
        try await cluster.waitFor("the client to finish", timeout: 120) { !client.isRunning }
        let log = cluster.log("moved")
        #expect(client.terminationStatus == 0, "\(log)")
        let after = try #require(Self.afterRequeue(log, lost: "worker-1"), "\(log)")
        #expect(after.contains("); job requeued, attempt 2 of 3 ---\n"), "\(log)")
        // Attempt 1 started and never ended; attempt 2 ran on worker-2 to the end.
        #expect(!log[..<after.startIndex].contains("ended-5"), "\(log)")
        #expect(after.contains("Building on worker-2"), "\(log)")
        #expect(after.contains("started-2") && after.contains("ended-5"), "\(log)")
        #expect(log.contains("Job succeeded"), "\(log)")
        let metrics = try await cluster.admin(["show", cluster.pool])
        #expect(!metrics.output.contains("retried:"), "\(metrics.output)")
    }

    @Test func frozenWorkerIsDroppedAsStuckAndItsJobRunsElsewhere() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler(["--worker-ping-interval", "1", "--worker-ping-timeout", "2"])
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let client = try cluster.submitInBackground("frozen", spec: Self.spec, cacheHint: "frozen")
        try await cluster.waitFor("the job to start", timeout: 60) { cluster.log("frozen").contains("started-2") }
        let worker = try #require(cluster.process("worker-1")).processIdentifier
        kill(worker, SIGSTOP)
        defer { kill(worker, SIGCONT) }
        let frozen = ContinuousClock.now
        try await cluster.waitFor("worker-1 to be dropped", timeout: 30) {
            cluster.log("frozen").contains("--- worker worker-1 lost (stuck: no answer to a ping within 2 s)")
        }
        // Interval plus timeout, and the ping that was in flight: well under the 30 s allowed above.
        #expect(frozen.duration(to: .now) < .seconds(10))
        let shown = try await cluster.admin(["show", cluster.pool])
        #expect(shown.output.contains("dropped:\n  worker-1: stuck: no answer to a ping within 2 s"), "\(shown.output)")
        try cluster.startWorker("worker-2")
        try await cluster.waitFor("the client to finish", timeout: 120) { !client.isRunning }
        let log = cluster.log("frozen")
        #expect(client.terminationStatus == 0, "\(log)")
        let after = try #require(Self.afterRequeue(log, lost: "worker-1"), "\(log)")
        #expect(after.contains("Building on worker-2") && after.contains("ended-5"), "\(log)")
        cluster.stop("worker-1", signal: SIGKILL)
    }
}
