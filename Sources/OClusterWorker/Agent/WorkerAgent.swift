// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoNetwork
import Logging
import Synchronization

/// The worker: connects to the scheduler, registers, pulls jobs up to its capacity, runs them
/// and serves their logs and results; reconnects when the scheduler goes away.
///
/// Use it as a long-running service: ``run()`` returns when ``shutdown()`` is called (running
/// jobs are cancelled first) or after a `Worker.selfUpdate` request, once every running job
/// has finished; the caller then exits so a service manager restarts the (updated) binary.
///
/// ```swift
/// let agent = WorkerAgent(
///     configuration: .init(name: "worker-1", capacity: 4),
///     connector: SturdyRefConnector(network: VatNetwork(), ref: try CapFile.load(from: "pool-linux.cap")),
///     context: try GitContext(stateDirectory: "/var/lib/ocluster-worker"),
///     builder: StandardJobBuilder(docker: DockerBuilder(configuration: .init()))
/// )
/// if try await agent.run() == .selfUpdate { exit(WorkerAgent.selfUpdateExitStatus) }
/// ```
public final class WorkerAgent: Sendable {
    /// How ``run()`` ended.
    public enum Outcome: Sendable, Hashable {
        /// ``shutdown()`` was called.
        case shutDown
        /// The scheduler asked for a restart (`Worker.selfUpdate`) and all jobs have finished.
        case selfUpdate
    }

    /// The status ocluster's worker exits with after a self-update, so that its service
    /// manager (systemd `Restart=on-failure`, Docker swarm) starts it again.
    public static let selfUpdateExitStatus: Int32 = 1

    public let configuration: WorkerConfiguration
    public let connector: any SchedulerConnector
    public let context: GitContext
    public let builder: any JobBuilder
    public let metrics: WorkerMetrics
    /// What the agent's delays and periods run on.
    public let clock: any WorkerClock
    let logger: Logger

    struct State {
        var inUse = 0
        var running: [ObjectIdentifier: RunningJob] = [:]
        var shutdownRequested = false
        var selfUpdateRequested = false
        var finishUpdate: (@Sendable () async throws -> Void)?
        var registrations = 0
    }

    let state = Mutex(State())
    /// Notified after every ``update(_:)``.
    private let changes = ChangeSignal()

    /// Creates an agent; nothing happens until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: name, capacity and the maintenance settings.
    ///   - connector: how to reach the scheduler (``SturdyRefConnector`` in production).
    ///   - context: where sources are checked out.
    ///   - builder: what runs each job.
    ///   - metrics: the registry `Worker.metrics(agent)` renders.
    ///   - clock: what the reconnect, grace, retry and health-check waits run on.
    ///   - logger: the worker's own log (not the jobs').
    public init(
        configuration: WorkerConfiguration,
        connector: any SchedulerConnector,
        context: GitContext,
        builder: any JobBuilder,
        metrics: WorkerMetrics = WorkerMetrics(),
        clock: any WorkerClock = ContinuousWorkerClock(),
        logger: Logger = Logger(label: "ocluster.worker")
    ) {
        self.configuration = configuration
        self.connector = connector
        self.context = context
        self.builder = builder
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }

    /// Jobs running now (each counts 1 against the capacity).
    public var runningJobs: Int { state.withLock { $0.inUse } }

    /// How many times the agent has registered with the scheduler (1 after the first
    /// connection, 2 after a reconnect, …).
    public var registrationCount: Int { state.withLock { $0.registrations } }

    /// Stops taking jobs, cancels the running ones and makes ``run()`` return ``Outcome/shutDown``.
    public func shutdown() {
        let jobs = update { state in
            state.shutdownRequested = true
            return Array(state.running.values)
        }
        for job in jobs { job.cancel.turnOff() }
    }

    /// Asks the agent to restart once every running job has finished (`Worker.selfUpdate`):
    /// runs the configured update's preparation, then lets ``run()`` return
    /// ``Outcome/selfUpdate`` when the worker is idle.
    ///
    /// - Throws: what the preparation throws (the request is then not recorded).
    public func requestSelfUpdate() async throws {
        logger.info("Self-update requested.")
        let finish = try await configuration.selfUpdate.prepare()
        logger.info("Waiting for all existing jobs to complete.")
        update { state in
            state.selfUpdateRequested = true
            state.finishUpdate = finish
        }
    }

    // MARK: - State changes

    /// Changes the state and wakes everything waiting for a change.
    @discardableResult
    func update<R>(_ body: (inout State) -> R) -> R {
        let result = state.withLock { body(&$0) }
        changes.notify()
        return result
    }

    /// Waits until `condition` holds, re-checking after every state change.
    ///
    /// - Throws: `CancellationError` if the task is cancelled first.
    func wait<R>(until condition: (State) -> R?) async throws -> R {
        while true {
            try Task.checkCancellation()
            // Read before the state: a change after this moves it, so the wait below cannot miss it.
            let version = changes.version
            if let value = state.withLock({ condition($0) }) { return value }
            await changes.wait(after: version)
        }
    }
}
