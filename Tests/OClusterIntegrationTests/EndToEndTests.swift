// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// The whole product as users run it: separate scheduler, worker, client and admin processes
/// over TLS on 127.0.0.1, running real OBuilder jobs in the runc sandbox.
@Suite(.serialized) struct EndToEndTests {
    static let echo = #"((from busybox) (shell /bin/sh -c) (run (shell "echo hello-e2e && echo second-line")))"#

    /// The worker that ran a job, from the `Building on NAME` line of its log.
    static func builder(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("Building on ") }.map { String($0.dropFirst(12)) }
    }

    @Test func jobLogStreamsToTheClientAndTheJobSucceeds() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let result = try await cluster.submit(spec: Self.echo)
        #expect(result.status == 0, "\(result.output)")
        // stderr and stdout share the pipe: ocluster's "Connecting" line comes first.
        #expect(result.output.hasPrefix("Connecting to tcp:127.0.0.1:\(cluster.port)... OK\nTailing log:\n"))
        #expect(Self.builder(result.output) == "worker-1")
        let hello = result.output.range(of: "hello-e2e")
        let second = result.output.range(of: "second-line")
        #expect(hello != nil && second != nil && hello!.lowerBound < second!.lowerBound)
        #expect(result.output.contains("Job succeeded"))
    }

    @Test func failingJobGivesAnErrorAndExitStatus() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let result = try await cluster.submit(
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo about-to-fail; exit 3")))"#
        )
        #expect(result.status == 1)
        #expect(result.output.contains("about-to-fail"))
        #expect(result.output.contains("exit status 3"))
    }

    @Test func jobsWithTheSameCacheHintLandOnTheSameWorker() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try cluster.startWorker("worker-2")
        try await cluster.waitForWorker("worker-1")
        try await cluster.waitForWorker("worker-2")
        var builders: [String: Set<String>] = [:]
        for round in 0..<3 {
            for hint in ["hint-a", "hint-b"] {
                let result = try await cluster.submit(
                    spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo round \#(round) \#(hint)")))"#,
                    cacheHint: hint
                )
                #expect(result.status == 0, "\(result.output)")
                builders[hint, default: []].insert(Self.builder(result.output) ?? "?")
            }
        }
        #expect(builders["hint-a"]?.count == 1, "hint-a ran on \(builders["hint-a"] ?? [])")
        #expect(builders["hint-b"]?.count == 1, "hint-b ran on \(builders["hint-b"] ?? [])")
    }

    @Test func pausedWorkerGetsNoJobsUntilUnpaused() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try cluster.startWorker("worker-2")
        try await cluster.waitForWorker("worker-1")
        try await cluster.waitForWorker("worker-2")
        let pause = try await cluster.admin(["pause-worker", cluster.pool, "worker-1"])
        #expect(pause.status == 0, "\(pause.output)")
        #expect(try await cluster.admin(["show", cluster.pool, "worker-1"]).output.contains("Paused"))
        for index in 0..<3 {
            let result = try await cluster.submit(
                spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo paused \#(index)")))"#,
                cacheHint: "x"
            )
            #expect(Self.builder(result.output) == "worker-2", "\(result.output)")
        }
        #expect(try await cluster.admin(["unpause-worker", cluster.pool, "worker-1"]).status == 0)
        #expect(try await cluster.admin(["pause", cluster.pool, "worker-2"]).status == 0)
        let result = try await cluster.submit(
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo after")))"#,
            cacheHint: "x"
        )
        #expect(Self.builder(result.output) == "worker-1", "\(result.output)")
    }

    @Test func rollingUpdateRestartsWorkersWhileJobsComplete() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        let first = try cluster.superviseWorker("worker-1")
        let second = try cluster.superviseWorker("worker-2")
        defer {
            first.stop()
            second.stop()
            cluster.stopAll()
        }
        try await cluster.waitForWorker("worker-1")
        try await cluster.waitForWorker("worker-2")
        let running = try cluster.submitInBackground(
            "long-job",
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "sleep 3; echo finished-during-update")))"#
        )
        let update = try await cluster.admin(["update", cluster.pool])
        #expect(update.status == 0, "\(update.output)")
        #expect(update.output.contains("All pool workers restarted."), "\(update.output)")
        try await cluster.waitFor("the long job's client to exit", timeout: 120) { !running.isRunning }
        #expect(running.terminationStatus == 0, "\(cluster.log("long-job"))")
        #expect(cluster.log("long-job").contains("finished-during-update"))
        #expect(first.restarts == 1)
        #expect(second.restarts == 1)
        try await cluster.waitForWorker("worker-1")
        let after = try await cluster.submit(spec: Self.echo)
        #expect(after.status == 0, "\(after.output)")
    }

    /// ocluster does not retry a job whose worker died: the client sees the job fail with the
    /// disconnect. With `--max-attempts 1` we do the same, and check that the failure is clear and nothing
    /// hangs (RequeueTests checks the default, which runs the job again).
    @Test func killedWorkerFailsItsJobClearlyAndTheNextJobRunsElsewhere() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler(["--max-attempts", "1"])
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let client = try cluster.submitInBackground(
            "doomed",
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo started-long; sleep 60")))"#
        )
        try await cluster.waitFor("the job to start", timeout: 60) { cluster.log("doomed").contains("started-long") }
        cluster.stop("worker-1", signal: SIGKILL)
        try await cluster.waitFor("the client to give up", timeout: 60) { !client.isRunning }
        #expect(client.terminationStatus == 1)
        #expect(cluster.log("doomed").lowercased().contains("disconnect"), "\(cluster.log("doomed"))")
        try cluster.startWorker("worker-2")
        try await cluster.waitForWorker("worker-2")
        let next = try await cluster.submit(spec: Self.echo)
        #expect(Self.builder(next.output) == "worker-2", "\(next.output)")
    }

    /// A killed worker's build must not hold the worker's scheduler connection (the scheduler
    /// would go on showing the worker running the job, and its client would hang until the build
    /// ended), and must not run on unsupervised: restarting the worker removes it.
    @Test func killedWorkersBuildHoldsNoConnectionAndIsRemovedAtRestart() async throws {
        let cluster = try await ClusterHarness()
        // Not retried, so that the client ends as soon as the scheduler notices.
        try await cluster.startScheduler(["--max-attempts", "1"])
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let marker = "\(Int.random(in: 100_000...999_999))"
        let client = try cluster.submitInBackground(
            "orphan",
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo started-long; sleep "#
                + marker + #"")))"#
        )
        try await cluster.waitFor("the job to start", timeout: 60) { cluster.log("orphan").contains("started-long") }
        // The log line can reach the client before the shell has started `sleep`.
        try await cluster.waitFor("the build's sleep to start", timeout: 30) {
            !ProcessTable.processes(containing: "sleep \(marker)").isEmpty
        }
        let worker = try #require(cluster.process("worker-1")).processIdentifier
        let runc = try #require(
            ProcessTable.children(of: worker).first { ProcessTable.commandLine($0).contains(" run --bundle ") }
        )
        // runc's 0, 1 and 2 are the pipes the worker gave it; nothing else of the worker's.
        let shared = ProcessTable.sockets(andPipesOf: worker).intersection(
            ProcessTable.sockets(andPipesOf: runc, from: 3)
        )
        #expect(shared.isEmpty, "runc inherited \(shared)")

        cluster.stop("worker-1", signal: SIGKILL)
        let killed = ContinuousClock.now
        try await cluster.waitFor("the client to see the job fail", timeout: 60) { !client.isRunning }
        #expect(killed.duration(to: .now) < .seconds(10), "the scheduler noticed the disconnect late")
        #expect(client.terminationStatus == 1)
        let shown = try await cluster.admin(["show", cluster.pool]).output
        #expect(!shown.contains("worker-1 (0): [] (1 running)"), "\(shown)")

        // Nothing is left to stop the build until the worker starts again and removes it.
        #expect(!ProcessTable.processes(containing: "sleep \(marker)").isEmpty)
        try cluster.startWorker("worker-1")
        try await cluster.waitFor("the orphaned build to be removed", timeout: 60) {
            ProcessTable.processes(containing: "sleep \(marker)").isEmpty
        }
        try await cluster.waitForWorker("worker-1")
    }

    /// ocluster's worker cancels a build when the scheduler releases its `Job` (the client went),
    /// even though the scheduler's `result` and `log` calls on it are still pending.
    @Test func killedClientsBuildIsCancelled() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        let marker = "\(Int.random(in: 100_000...999_999))"
        let client = try cluster.submitInBackground(
            "abandoned",
            spec: #"((from busybox) (shell /bin/sh -c) (run (shell "echo started-long; sleep "#
                + marker + #"")))"#
        )
        try await cluster.waitFor("the build's sleep to start", timeout: 60) {
            !ProcessTable.processes(containing: "sleep \(marker)").isEmpty
        }
        cluster.stop("abandoned", signal: SIGKILL)
        #expect(!client.isRunning)
        try await cluster.waitFor("the build to be cancelled", timeout: 20) {
            ProcessTable.processes(containing: "sleep \(marker)").isEmpty
        }
        try await cluster.waitFor("the worker to log the cancellation", timeout: 20) {
            cluster.log("worker-1").contains("Job cancelled")
        }
        // The worker is free again: the next job runs there.
        let next = try await cluster.submit(spec: Self.echo)
        #expect(next.status == 0, "\(next.output)")
        #expect(Self.builder(next.output) == "worker-1", "\(next.output)")
    }

    @Test func restartedSchedulerIsFoundAgainByItsWorkers() async throws {
        let cluster = try await ClusterHarness()
        try await cluster.startScheduler()
        try cluster.startWorker("worker-1")
        try await cluster.waitForWorker("worker-1")
        cluster.stop("scheduler", signal: SIGTERM)
        try await cluster.startScheduler()
        try await cluster.waitForWorker("worker-1", timeout: 90)
        let result = try await cluster.submit(spec: Self.echo)
        #expect(result.status == 0, "\(result.output)")
        #expect(Self.builder(result.output) == "worker-1")
    }
}
