// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import ProcessRunner

/// Everything about the agent that is not a collaborator: identity, capacity, reconnection,
/// disk and health maintenance, metrics sources and the self-update action.
public struct WorkerConfiguration: Sendable {
    /// Unique name within the pool (`--name`).
    public var name: String
    /// Jobs run at once (`--capacity`); also reported to the scheduler.
    public var capacity: Int
    /// Backoff between reconnection attempts.
    public var reconnect: ReconnectBackoff.Configuration
    /// Connection attempts are at least this far apart (ocluster's `min_reconnect_time`).
    public var minimumReconnectInterval: Duration
    /// Docker disk checks before each pop (`--prune-threshold`, `--docker-max-df-size`).
    public var pruner: DockerPruner?
    /// How long to wait when pruning did not free enough space (ocluster: one hour).
    public var pruneRetryDelay: Duration
    /// The OBuilder backend whose health is checked, if any.
    public var obuilder: (any OBuilderBackend)?
    /// Time between OBuilder health checks (`--obuilder-healthcheck`); `nil` disables them.
    public var healthcheckPeriod: Duration?
    /// How long to wait between checks while unhealthy (ocluster: 60 s).
    public var healthcheckRetryDelay: Duration
    /// `--additional-metrics`: name → URL proxied by `Worker.additionalMetric`.
    public var additionalMetrics: [String: String]
    /// Where `Worker.metrics(host)` is fetched (a node exporter).
    public var hostMetricsURL: String
    /// More Prometheus text appended to the agent metrics (e.g. a process-wide registry).
    public var extraAgentMetrics: @Sendable () -> String
    /// What to do for `Worker.selfUpdate` besides restarting.
    public var selfUpdate: SelfUpdate
    /// After the last job of a self-update ends, the connection stays up this long so that
    /// its result and the end of its log reach the client (ocluster sleeps 1 s too).
    public var selfUpdateGracePeriod: Duration

    public init(
        name: String,
        capacity: Int = 10,
        reconnect: ReconnectBackoff.Configuration = .init(initialDelay: .seconds(1), maximumDelay: .seconds(60)),
        minimumReconnectInterval: Duration = .seconds(10),
        pruner: DockerPruner? = nil,
        pruneRetryDelay: Duration = .seconds(3600),
        obuilder: (any OBuilderBackend)? = nil,
        healthcheckPeriod: Duration? = .seconds(600),
        healthcheckRetryDelay: Duration = .seconds(60),
        additionalMetrics: [String: String] = [:],
        hostMetricsURL: String = "http://127.0.0.1:9100/metrics",
        extraAgentMetrics: @escaping @Sendable () -> String = { "" },
        selfUpdate: SelfUpdate = .restartOnly,
        selfUpdateGracePeriod: Duration = .seconds(1)
    ) {
        self.name = name
        self.capacity = capacity
        self.reconnect = reconnect
        self.minimumReconnectInterval = minimumReconnectInterval
        self.pruner = pruner
        self.pruneRetryDelay = pruneRetryDelay
        self.obuilder = obuilder
        self.healthcheckPeriod = healthcheckPeriod
        self.healthcheckRetryDelay = healthcheckRetryDelay
        self.additionalMetrics = additionalMetrics
        self.hostMetricsURL = hostMetricsURL
        self.extraAgentMetrics = extraAgentMetrics
        self.selfUpdate = selfUpdate
        self.selfUpdateGracePeriod = selfUpdateGracePeriod
    }
}

extension WorkerConfiguration {
    /// A reconnection backoff (so callers need not import the network module for it).
    public static func backoff(
        initialDelay: Duration,
        maximumDelay: Duration,
        jitter: Double = 0.1
    ) -> ReconnectBackoff.Configuration {
        ReconnectBackoff.Configuration(initialDelay: initialDelay, maximumDelay: maximumDelay, jitter: jitter)
    }
}

/// The update step of `Worker.selfUpdate`.
public struct SelfUpdate: Sendable {
    /// Runs when the request arrives, before waiting for jobs (a failure is returned to the
    /// admin); returns the step to run once every job has finished.
    public var prepare: @Sendable () async throws -> @Sendable () async throws -> Void

    public init(prepare: @escaping @Sendable () async throws -> @Sendable () async throws -> Void) {
        self.prepare = prepare
    }

    /// Nothing to do but exit: the admin installed the new binary and the service manager
    /// restarts it (ocluster's `update_normal`).
    public static let restartOnly = SelfUpdate { {} }

    /// The image ``dockerService(image:service:docker:)`` pulls by default (`--self-update-image`).
    /// ocluster's worker pulls `ocurrent/ocluster-worker:live`, which is the OCaml worker.
    public static let defaultImage = "swift-ocluster/ocluster-worker:live"
    /// The swarm service ``dockerService(image:service:docker:)`` updates by default
    /// (`--self-update-service`; ocluster's is `builder_agent`).
    public static let defaultService = "ocluster-worker"

    /// ocluster's update inside Docker swarm: pull `image` at once, and once idle run
    /// `docker service update --detach --image <digest> <service>`. `--detach` because the update
    /// replaces the very container that runs the command: waiting for it to converge would
    /// wait for this process to be killed.
    public static func dockerService(
        image: String = defaultImage,
        service: String = defaultService,
        docker: DockerConfiguration = DockerConfiguration()
    ) -> SelfUpdate {
        SelfUpdate {
            try await ChildProcess.check(docker.command("docker-pull", ["pull", image]), log: nil, cancel: nil)
            let repo = String(image[..<(image.lastIndex(of: ":") ?? image.endIndex)])
            let digests = try await ChildProcess.output(
                docker.command(
                    "docker-inspect",
                    ["image", "inspect", "-f", "{{ range index .RepoDigests }}{{ . }} {{ end }}", "--", image]
                )
            ).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            guard let digest = digests.first(where: { $0.hasPrefix(repo + "@") }) else {
                throw WorkerError(.docker, "No new image starts with \"\(repo)@\"!")
            }
            return {
                try await ChildProcess.check(
                    docker.command(
                        "docker-service-update",
                        ["service", "update", "--detach", "--image", digest, service]
                    ),
                    log: nil,
                    cancel: nil
                )
            }
        }
    }
}
