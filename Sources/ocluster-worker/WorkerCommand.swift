// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProtoNetwork
import Foundation
import OClusterCLISupport
import OClusterVersion
import OClusterWorker
import Synchronization

/// `ocluster-worker`: flags as ocluster's (`bin/worker.ml`); wiring only.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-worker",
        abstract: "Run a build worker.",
        discussion: """
            Connects to the scheduler through a pool's registration capability (the pool-NAME.cap file the \
            scheduler writes), registers under --name and runs up to --capacity jobs at once: Docker builds \
            (docker build, then docker push to --allow-push repositories) and, with --obuilder-store, OBuilder \
            specs. Sources are fetched from git into a cache under --state-dir. Logs stream to clients live; \
            metrics are pulled by the scheduler over the same connection. If the scheduler goes away the worker \
            reconnects with backoff. On a rolling update (ocluster-admin update) it finishes its running jobs \
            and exits with status 1 so that its service manager restarts it. SIGTERM or SIGINT cancels running \
            jobs and exits.
            """,
        version: OClusterVersion.current
    )

    @Argument(help: ArgumentHelp("The pool's .cap file (instead of --connect).", valueName: "CAP-FILE"))
    var capFile: String?

    @OptionGroup var connect: ConnectOptions

    @Option(name: .customLong("name"), help: ArgumentHelp("Unique builder name.", valueName: "ID"))
    var name: String

    @Option(
        name: .customLong("capacity"),
        help: ArgumentHelp("The number of builds that can run in parallel.", valueName: "N")
    )
    var capacity = 10

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("Directory for caches, etc (e.g. /var/lib/ocluster-worker).", valueName: "PATH")
    )
    var stateDir: String

    @Option(
        name: .customLong("additional-metrics"),
        parsing: .singleValue,
        help: ArgumentHelp(
            "Additional Prometheus endpoints to proxy, as NAME:URI (comma-separated).",
            valueName: "METRICS"
        )
    )
    var additionalMetrics: [String] = []

    @Option(
        name: .customLong("self-update"),
        help: ArgumentHelp(
            "What `ocluster-admin update` does: restart (exit so the service manager restarts the worker), "
                + "docker-service (pull --self-update-image and move the swarm service --self-update-service to it, "
                + "as ocluster does inside Docker) or auto (docker-service when /.dockerenv exists).",
            valueName: "MODE"
        )
    )
    var selfUpdateMode = "auto"

    @Option(
        name: .customLong("self-update-image"),
        help: ArgumentHelp(
            "The image docker-service updates pull; the service moves to its digest.",
            valueName: "IMAGE"
        )
    )
    var selfUpdateImage = SelfUpdate.defaultImage

    @Option(
        name: .customLong("self-update-service"),
        help: ArgumentHelp("The Docker swarm service docker-service updates change.", valueName: "NAME")
    )
    var selfUpdateService = SelfUpdate.defaultService

    @OptionGroup(title: "Docker") var docker: DockerOptions
    @OptionGroup(title: "OBuilder") var obuilder: OBuilderOptions
    @OptionGroup(title: "OBuilder base images") var imageFetch: ImageFetchOptions
    @OptionGroup(title: "OBuilder sandboxes (obuilder's native, Docker and QEMU back-ends)") var sandbox: SandboxOptions
    @OptionGroup(title: "OBuilder step limits and isolation (not in ocluster)") var stepLimits: StepLimitOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard capacity > 0 else { throw ValidationError("--capacity must be at least 1") }
        guard (capFile == nil) != (connect.connect == nil) else {
            throw ValidationError("Give the pool's .cap file once: as --connect FILE or as the first argument")
        }
        _ = try parseAdditionalMetrics(additionalMetrics)
        if let (kind, _) = try obuilder.storeSpec(),
            let reason = sandbox.unsupported(storeKind: kind, rsyncMode: obuilder.rsyncMode)
        {
            throw ValidationError(reason)
        }
    }

    func run() async throws {
        logging.bootstrap()
        let exporter = PrometheusExporter.bootstrap()
        let ref = try CapFile.resolve(capFile ?? connect.connect ?? "")
        let dockerConfiguration = docker.configuration
        let metrics = WorkerMetrics()
        let backend = try await makeOBuilderBackend(
            obuilder,
            sandbox: try stepLimits.runcOptions(fastSync: sandbox.fastSync),
            docker: sandbox.dockerSandboxOptions,
            fetcher: imageFetch.fetcher(docker: docker.docker),
            stateDir: stateDir,
            metrics: metrics
        )
        let agent = WorkerAgent(
            configuration: WorkerConfiguration(
                name: name,
                capacity: capacity,
                pruner: try DockerPruner(policy: docker.prunePolicy, configuration: dockerConfiguration),
                obuilder: backend,
                healthcheckPeriod: SecondsFlag.durationUnlessZero(obuilder.healthcheck),
                additionalMetrics: try parseAdditionalMetrics(additionalMetrics),
                extraAgentMetrics: { String(decoding: exporter.render(), as: UTF8.self) },
                selfUpdate: try selfUpdate(dockerConfiguration)
            ),
            connector: SturdyRefConnector(network: VatNetwork(), ref: ref),
            context: try GitContext(stateDirectory: stateDir),
            builder: StandardJobBuilder(
                docker: DockerBuilder(configuration: dockerConfiguration, metrics: metrics),
                obuilder: backend
            ),
            metrics: metrics
        )
        let outcome = Mutex<WorkerAgent.Outcome?>(nil)
        do {
            try await ServiceRunner.run(
                [
                    LifecycleService(
                        run: {
                            let result = try await agent.run()
                            outcome.withLock { $0 = result }
                        },
                        shutdown: { agent.shutdown() }
                    )
                ],
                logLabel: "ocluster.worker"
            )
        } catch {
            // The agent returning on its own (after a self-update) ends the group with an error.
            guard outcome.withLock({ $0 }) == .selfUpdate else { throw error }
        }
        if outcome.withLock({ $0 }) == .selfUpdate {
            throw ExitCode(WorkerAgent.selfUpdateExitStatus)
        }
    }

    /// The `--self-update` mode.
    func selfUpdate(_ docker: DockerConfiguration) throws -> SelfUpdate {
        let dockerService = SelfUpdate.dockerService(image: selfUpdateImage, service: selfUpdateService, docker: docker)
        switch selfUpdateMode {
        case "restart": return .restartOnly
        case "docker-service": return dockerService
        case "auto": return FileManager.default.fileExists(atPath: "/.dockerenv") ? dockerService : .restartOnly
        default: throw ValidationError("--self-update must be restart, docker-service or auto")
        }
    }
}
