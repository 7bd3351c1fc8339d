// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterWorker
import ProcessRunner
import TestSupport
import Testing

@Suite("Subprocesses for jobs")
struct WorkerProcessTests {
    @Test("stdout and stderr both reach the log, in order; stdin is fed; exit codes are reported")
    func outputAndStatus() async throws {
        let log = LogData()
        let command = Command(
            label: "demo",
            ["sh", "-c", "echo out; echo err >&2; cat; echo \"$DEMO\"; exit 7"],
            environment: ["DEMO": "env-ok"],
            standardInput: Array("from-stdin\n".utf8)
        )
        #expect(try await ChildProcess.run(command, log: log, cancel: nil) == .exited(7))
        #expect(log.text == "out\nerr\nfrom-stdin\nenv-ok\n")
        let error = await #expect(throws: WorkerError(.commandFailed, "")) {
            try await ChildProcess.check(command, log: nil, cancel: nil)
        }
        #expect(error?.message == "demo failed with exit-code 7")
        #expect(
            try await ChildProcess.output(Command(label: "x", ["sh", "-c", "echo captured; echo noise >&2"]))
                == "captured\n"
        )
        await #expect(throws: WorkerError(.commandFailed, "")) {
            try await ChildProcess.run(Command(label: "nope", ["/nonexistent/program"]), log: nil, cancel: nil)
        }
    }

    @Test("Turning the switch off kills the whole process group")
    func cancelKillsGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.path + "/child.pid"
        let log = LogData()
        let cancel = CancelSwitch()
        let command = Command(label: "sleeper", ["sh", "-c", "sleep 60 & echo $! > \(pidFile); echo started; wait"])
        let running = Task { try await ChildProcess.run(command, log: log, cancel: cancel) }
        #expect(await eventually { log.text.contains("started") })
        let grandchild = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        )
        cancel.turnOff()
        await #expect(throws: WorkerError(.cancelled, "")) { try await running.value }
        #expect(await eventually { kill(grandchild, 0) != 0 }, "the background child died too")
    }

    @Test("Cancelling the task kills the process too")
    func taskCancellation() async throws {
        let log = LogData()
        let command = Command(label: "s", ["sh", "-c", "echo started; exec sleep 60"])
        let running = Task { try await ChildProcess.run(command, log: log, cancel: nil) }
        try await waitUntil("the process runs") { log.text.contains("started") }
        let started = ContinuousClock.now
        running.cancel()
        await #expect(throws: WorkerError(.cancelled, "")) { try await running.value }
        // Well below the 60 s the child would sleep: cancellation killed it, whatever the load.
        #expect(started.duration(to: .now) < .seconds(45))
    }

    @Test("Worker metrics render as Prometheus text")
    func metricsText() {
        let metrics = WorkerMetrics()
        metrics.jobAccepted()
        metrics.jobFinished(result: "fail", seconds: 1.5)
        metrics.setRunningJobs(2)
        let text = metrics.render()
        #expect(text.contains("# HELP ocluster_worker_jobs_accepted_total Number of jobs accepted in total\n"))
        #expect(text.contains("ocluster_worker_job_time_seconds_sum{result=\"fail\"} 1.5\n"))
        #expect(text.contains("ocluster_worker_job_time_seconds_count{result=\"fail\"} 1\n"))
        #expect(text.contains("# TYPE ocluster_worker_running_jobs gauge\nocluster_worker_running_jobs 2\n"))
    }
}
