// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import OClusterAPI
import OClusterWorker
import Synchronization
import TestSupport
import Testing

/// The agent against ``FakeScheduler`` over in-memory Cap'n Proto connections.
@Suite("Worker agent")
struct AgentTests {
    /// An agent with test timings, its scheduler, and the task running it.
    struct Harness {
        let scheduler = FakeScheduler()
        let connector: InMemoryConnector
        let agent: WorkerAgent
        let state: TemporaryDirectory
        let running: Task<WorkerAgent.Outcome, any Error>
        /// What the agent logged.
        let log = LogRecorder()

        init(
            capacity: Int = 2,
            builder: any JobBuilder,
            additionalMetrics: [String: String] = [:],
            pruner: DockerPruner? = nil,
            selfUpdate: SelfUpdate = .restartOnly,
            clock: any WorkerClock = ContinuousWorkerClock()
        ) throws {
            connector = InMemoryConnector(scheduler: scheduler)
            state = try TemporaryDirectory()
            agent = WorkerAgent(
                configuration: WorkerConfiguration(
                    name: "worker-1",
                    capacity: capacity,
                    reconnect: WorkerConfiguration.backoff(
                        initialDelay: .milliseconds(10),
                        maximumDelay: .milliseconds(50),
                        jitter: 0
                    ),
                    minimumReconnectInterval: .zero,
                    pruner: pruner,
                    pruneRetryDelay: .milliseconds(10),
                    additionalMetrics: additionalMetrics,
                    extraAgentMetrics: { "# extra\n" },
                    selfUpdate: selfUpdate,
                    selfUpdateGracePeriod: .milliseconds(300)
                ),
                connector: connector,
                context: try GitContext(stateDirectory: state.path, allowedSchemes: ["file"]),
                builder: builder,
                clock: clock,
                logger: log.logger
            )
            let agent = agent
            running = Task { try await agent.run() }
        }

        func stop() async throws {
            agent.shutdown()
            #expect(try await running.value == .shutDown)
            state.remove()
        }
    }

    static func dockerJob(hint: String = "") -> FakeScheduler.Fill {
        { descr in
            descr.cacheHint = hint
            descr.action.initDockerBuild().dockerfile.contents = "FROM scratch"
        }
    }

    @Test("Registers with its name and capacity, runs a job, streams its log and returns its output")
    func runsAJob() async throws {
        let builder = ScriptedBuilder(immediate: .output("the-output"))
        let harness = try Harness(capacity: 3, builder: builder)
        let job = await harness.scheduler.submit(Self.dockerJob(hint: "h1"))
        let registration = harness.scheduler.state.withLock { $0.registrations.first }
        #expect(registration?.name == "worker-1" && registration?.capacity == 3)
        #expect(try await job.result().results.output == "the-output")
        #expect(try await job.wholeLog() == "Building on worker-1\nscripted job 0 hint=h1\nJob succeeded\n")
        try await harness.stop()
    }

    @Test("Takes jobs up to its capacity only")
    func capacity() async throws {
        let builder = ScriptedBuilder()
        let harness = try Harness(capacity: 2, builder: builder)
        async let first = harness.scheduler.submit(Self.dockerJob())
        async let second = harness.scheduler.submit(Self.dockerJob())
        let jobs = await [first, second]
        #expect(await eventually { builder.started == 2 && harness.agent.runningJobs == 2 })
        let third = Task { await harness.scheduler.submit(Self.dockerJob()) }
        // The pull loop logs this before it waits for a job to end; until then it pops nothing.
        try await waitUntil("the agent waits at capacity") { harness.log.contains("At capacity.") }
        #expect(builder.started == 2, "no third pop while at capacity")
        #expect(harness.scheduler.waitingPops == 0)
        builder.end(0, .output("done"))
        #expect(try await jobs[0].result().results.output == "done")
        let thirdJob = await third.value
        #expect(await eventually { builder.started == 3 })
        builder.end(1, .output(""))
        builder.end(2, .output("3"))
        #expect(try await thirdJob.result().results.output == "3")
        try await harness.stop()
    }

    @Test("Job.cancel stops the build: result 'Build cancelled', log ends 'Job cancelled'")
    func cancel() async throws {
        let harness = try Harness(builder: ScriptedBuilder())
        let job = await harness.scheduler.submit(Self.dockerJob())
        _ = try await job.cancel()
        let error = await #expect(throws: RPCError.self) { try await job.result() }
        #expect(error?.reason == "Build cancelled")
        #expect(try await job.wholeLog().hasSuffix("Job cancelled\n"))
        try await harness.stop()
    }

    @Test("A failed build: result 'Build failed', the message is the log's last line")
    func failure() async throws {
        let harness = try Harness(
            builder: ScriptedBuilder(immediate: .failure(WorkerError(.buildFailed, "step 3 broke")))
        )
        let job = await harness.scheduler.submit(Self.dockerJob())
        let error = await #expect(throws: RPCError.self) { try await job.result() }
        #expect(error?.reason == "Build failed")
        #expect(try await job.wholeLog().hasSuffix("scripted job 0 hint=\nstep 3 broke\n"))
        try await harness.stop()
    }

    @Test("Custom jobs are refused by the standard builder; OBuilder jobs need a backend")
    func refusedKinds() async throws {
        let standard = StandardJobBuilder(docker: DockerBuilder(configuration: DockerConfiguration()))
        let harness = try Harness(builder: standard)
        let custom = await harness.scheduler.submit { $0.action.initCustom().kind = "solver" }
        #expect(try await custom.wholeLog().hasSuffix("Unsupported custom job\n"))
        let obuilder = await harness.scheduler.submit { $0.action.initObuilder().spec = "((from busybox))" }
        #expect(try await obuilder.wholeLog().hasSuffix("This worker is not configured for use with OBuilder!\n"))
        let error = await #expect(throws: RPCError.self) { try await obuilder.result() }
        #expect(error?.reason == "Build failed")
        try await harness.stop()
    }

    @Test("Reconnects after the link breaks; running jobs are cancelled")
    func reconnects() async throws {
        let builder = ScriptedBuilder()
        let harness = try Harness(builder: builder)
        // Held: dropping the last reference to a job cancels it (as ocluster's release does).
        let orphan = await harness.scheduler.submit(Self.dockerJob())
        #expect(await eventually { builder.started == 1 && harness.agent.runningJobs == 1 })
        harness.connector.breakLink()
        #expect(await eventually { harness.scheduler.registrationCount == 2 })
        #expect(await eventually { harness.agent.runningJobs == 0 }, "the orphaned job was cancelled")
        let job = await harness.scheduler.submit(Self.dockerJob())
        builder.end(1, .output("after reconnect"))
        #expect(try await job.result().results.output == "after reconnect")
        #expect(harness.agent.registrationCount == 2)
        await #expect(throws: RPCError.self) { try await orphan.result() }
        try await harness.stop()
    }

    @Test("The reconnect delay runs on the agent's clock, and grows when the new connection fails at once")
    func reconnectDelayRunsOnTheClock() async throws {
        let clock = ManualWorkerClock()
        let harness = try Harness(builder: ScriptedBuilder(), clock: clock)
        // Generous: on a loaded machine the first connection can take long; the clock plays no part in it.
        try await waitUntil("the agent registers", timeout: .seconds(120)) { harness.scheduler.registrationCount == 1 }
        var delays: [Duration] = []
        for registrations in 1...2 {
            harness.connector.breakLink()
            try await waitUntil("the agent waits to reconnect") { clock.pendingSleeps.count == 1 }
            let delay = try #require(clock.pendingSleeps.first)
            delays.append(delay)
            // Short of the delay, the agent is still asleep: the sleep has not ended, nothing dialled.
            clock.advance(by: delay / 2)
            #expect(clock.pendingSleeps == [delay])
            #expect(harness.scheduler.registrationCount == registrations)
            clock.advance(by: delay - delay / 2)
            try await waitUntil("the agent registers again", timeout: .seconds(120)) {
                harness.scheduler.registrationCount == registrations + 1
            }
        }
        #expect(abs((delays[0] - .milliseconds(10)) / .microseconds(1)) < 1, "the initial delay: \(delays)")
        #expect(delays[1] > delays[0], "no healthy uptime in between, so the backoff grew: \(delays)")
        #expect(delays[1] <= .milliseconds(50), "capped at the maximum: \(delays)")
        try await harness.stop()
    }

    @Test("Worker.metrics(agent) is Prometheus text; unknown additional metrics are notReported")
    func metrics() async throws {
        let harness = try Harness(
            builder: ScriptedBuilder(immediate: .output("")),
            additionalMetrics: ["gone": "http://127.0.0.1:1/x"]
        )
        let job = await harness.scheduler.submit(Self.dockerJob())
        _ = try await job.result()
        let worker = try #require(harness.scheduler.lastWorker)
        let response = try await worker.metrics(source: .agent)
        #expect(try response.results.contentType == "text/plain; version=0.0.4; charset=utf-8")
        let text = try response.results.data
        #expect(
            text.contains("# TYPE ocluster_worker_jobs_accepted_total counter\nocluster_worker_jobs_accepted_total 1\n")
        )
        #expect(text.contains("ocluster_worker_job_time_seconds_count{result=\"ok\"} 1\n"))
        #expect(text.contains("ocluster_worker_running_jobs 0\n"))
        #expect(text.hasSuffix("# extra\n"))
        let unknown = try await worker.additionalMetric(source: "nope")
        guard case .notReported = try unknown.results.metric.which else {
            Issue.record("expected notReported")
            return
        }
        await #expect(throws: RPCError.self) { try await worker.additionalMetric(source: "gone") }
        try await harness.stop()
    }

    @Test("selfUpdate waits for running jobs, then run() returns .selfUpdate and the call ends disconnected")
    func selfUpdate() async throws {
        let builder = ScriptedBuilder()
        let clock = ManualWorkerClock()
        let harness = try Harness(builder: builder, clock: clock)
        let job = await harness.scheduler.submit(Self.dockerJob())
        #expect(await eventually { builder.started == 1 })
        let worker = try #require(harness.scheduler.lastWorker)
        let update = Task { try await worker.selfUpdate() }
        try await waitUntil("the agent waits for its job") {
            harness.log.contains("Waiting for all existing jobs to complete.")
        }
        #expect(harness.agent.runningJobs == 1)
        #expect(clock.pendingSleeps.isEmpty, "no grace period while a job runs")
        builder.end(0, .output("finished first"))
        // The session stays up for the grace period, so the job's result still reaches the scheduler.
        #expect(try await job.result().results.output == "finished first")
        try await waitUntil("the agent waits out the grace period") { clock.pendingSleeps == [.milliseconds(300)] }
        clock.advance(by: .milliseconds(300))
        #expect(try await harness.running.value == .selfUpdate)
        let error = await #expect(throws: RPCError.self) { try await update.value }
        #expect(error?.kind == .disconnected)
        harness.state.remove()
    }

    @Test("End to end: a Docker job from a real git commit on a real engine")
    func dockerEndToEnd() async throws {
        let configuration = try await DockerTestEngine.configuration()
        let repo = try await GitTestRepository()
        defer { repo.remove() }
        let commit = try await repo.commit([
            "Dockerfile": "FROM local/busybox:latest\nLABEL nonce=\(UUID().uuidString)\nCOPY msg /msg\nRUN cat /msg\n",
            "msg": "from-the-commit\n",
        ])
        let harness = try Harness(builder: StandardJobBuilder(docker: DockerBuilder(configuration: configuration)))
        let url = repo.url
        let job = await harness.scheduler.submit { descr in
            descr.repository = url
            descr.setCommits([commit])
            descr.action.initDockerBuild().dockerfile.path = "Dockerfile"
        }
        #expect(try await job.result().results.output == "")
        let log = try await job.wholeLog()
        #expect(log.hasPrefix("Building on worker-1\n"))
        #expect(log.contains("from-the-commit\n"))
        #expect(log.hasSuffix("Job succeeded\n"))
        if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("Built image ") }) {
            try await DockerTestEngine.docker(["rmi", String(line.dropFirst("Built image ".count))])
        }
        try await harness.stop()
    }
}

@Suite("Worker agent with OBuilder")
struct AgentOBuilderTests {
    @Test("OBuilder jobs run through the agent; a bad spec fails with its position")
    func obuilderJobs() async throws {
        let root = try TemporaryDirectory("ocluster-agent-obuilder")
        defer { root.remove() }
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/make-base-image.sh").path
        try await shell(["bash", script, root.path + "/images"])
        let metrics = WorkerMetrics()
        let backend = try await OBuilderJobBackend.open(
            store: "rsync:" + root.path + "/store",
            rsyncMode: "copy",
            sandboxDirectory: root.path + "/sandbox",
            baseImages: root.path + "/images",
            metrics: metrics
        )
        try await backend.healthcheck()
        let harness = try AgentTests.Harness(
            builder: StandardJobBuilder(docker: DockerBuilder(configuration: DockerConfiguration()), obuilder: backend)
        )
        let spec = "((from busybox) (shell /bin/sh -c) (run (shell \"echo hello-from-obuilder\")))"
        let job = await harness.scheduler.submit { $0.action.initObuilder().spec = spec }
        let id = try await job.result().results.output
        #expect(id.count == 64)
        let log = try await job.wholeLog()
        #expect(log.contains("hello-from-obuilder\n"))
        #expect(log.hasSuffix("Job succeeded\n"))

        let again = await harness.scheduler.submit { $0.action.initObuilder().spec = spec }
        #expect(try await again.result().results.output == id, "the same spec is served from the cache")
        #expect(try await again.wholeLog().contains("from cache"))

        let bad = await harness.scheduler.submit {
            $0.action.initObuilder().spec = "((from busybox) (run (shel \"x\")))"
        }
        let error = await #expect(throws: RPCError.self) { try await bad.result() }
        #expect(error?.reason == "Build failed")
        let badLog = try await bad.wholeLog()
        #expect(
            badLog.contains("line 1, column 22: unknown field \"shel\" in run"),
            "the message points at the bad part"
        )
        try await harness.stop()
    }
}

@Suite("Worker agent: releasing jobs")
struct AgentReleaseTests {
    @Test("Dropping the last reference to a running job cancels it")
    func releaseCancels() async throws {
        let builder = ScriptedBuilder()
        let harness = try AgentTests.Harness(builder: builder)
        _ = await harness.scheduler.submit(AgentTests.dockerJob())
        let cancelled = "ocluster_worker_job_time_seconds_count{result=\"cancelled\"} 1\n"
        #expect(await eventually { harness.agent.metrics.render().contains(cancelled) })
        #expect(harness.agent.runningJobs == 0)
        #expect(builder.started <= 1)
        try await harness.stop()
    }
}
