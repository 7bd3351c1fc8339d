// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import Foundation
import OClusterCLISupport
import OClusterScheduler
import OClusterVersion

/// `ocluster-scheduler`: flags as ocluster's (`bin/scheduler.ml`); wiring only.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-scheduler",
        abstract: "Manage build workers.",
        discussion: """
            Serves the pools named by --pools to workers, clients and administrators over Cap'n Proto RPC. \
            Writes admin.cap and pool-NAME.cap (and submit-CLIENT.cap for --default-clients) to --secrets-dir; \
            their service IDs are derived from the key file, so the files stay valid across restarts. State \
            (cache hints, client rates, known and paused workers, client endpoints) lives in STATE-DIR/scheduler.db, \
            written on a thread of its own: an administrator's change is acknowledged once committed, and so is a \
            submitted job, which is queued again after a restart. SIGTERM or SIGINT shuts down gracefully.
            """,
        version: OClusterVersion.current
    )

    @OptionGroup var vat: VatOptions
    @OptionGroup(title: "Connection limits") var connectionLimits: ConnectionLimitOptions

    @Option(
        name: .customLong("secrets-dir"),
        help: ArgumentHelp("Directory in which to store the Cap'n Proto secrets (must exist).", valueName: "DIR")
    )
    var secretsDir = "./capnp-secrets"

    @Option(
        name: .customLong("pools"),
        help: ArgumentHelp("Names of pools to create (e.g. linux-arm32,linux-ppc64).", valueName: "POOLS")
    )
    var pools: String

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("Directory in which to store the service's state.", valueName: "DIR")
    )
    var stateDir: String

    @Option(
        name: .customLong("listen-prometheus"),
        help: ArgumentHelp(
            "Port on which to provide Prometheus metrics over HTTP, and the status page at / (read-only). "
                + "ADDR:PORT binds to one address only (default: every interface).",
            valueName: "[ADDR:]PORT"
        )
    )
    var listenPrometheus: HTTPListenAddress?

    @Option(
        name: .customLong("default-clients"),
        help: ArgumentHelp("Clients to provision automatically (comma-separated).", valueName: "NAME")
    )
    var defaultClients = ""

    @Option(
        name: .customLong("db-write-timeout"),
        help: ArgumentHelp(
            "Seconds an administrator's change (pause, rate, client...) waits for its write to STATE-DIR/scheduler.db "
                + "to commit before it fails with an error and changes nothing.",
            valueName: "SECONDS"
        )
    )
    var dbWriteTimeout = 10.0

    @Option(
        name: .customLong("reattach-timeout"),
        help: ArgumentHelp(
            "Seconds a job kept across a restart is held (no worker takes it) waiting for its client to "
                + "reattach through its saved ticket; then it is cancelled.",
            valueName: "SECONDS"
        )
    )
    var reattachTimeout = 60.0

    @OptionGroup(title: "Lost and stuck workers") var resilience: ResilienceOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard !poolList.isEmpty else { throw ValidationError("--pools must name at least one pool") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: secretsDir, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ValidationError("--secrets-dir: directory \"\(secretsDir)\" does not exist") }
        try SecondsFlag.validate(dbWriteTimeout, flag: "--db-write-timeout", allowsZero: false, maximum: 86_400)
        try SecondsFlag.validate(reattachTimeout, flag: "--reattach-timeout", maximum: 86_400)
    }

    var schedulerConfiguration: Scheduler.Configuration {
        var configuration = Scheduler.Configuration()
        configuration.databaseWriteTimeout = SecondsFlag.duration(dbWriteTimeout)
        configuration.reattachTimeout = SecondsFlag.duration(reattachTimeout)
        return configuration
    }

    var poolList: [String] { pools.split(separator: ",").map(String.init).filter { !$0.isEmpty } }

    func run() async throws {
        logging.bootstrap()
        let exporter = listenPrometheus.map { _ in PrometheusExporter.bootstrap() }
        let configuration = SchedulerDaemonConfiguration(
            secretsDirectory: secretsDir,
            stateDirectory: stateDir,
            pools: poolList,
            defaultClients: defaultClients.split(separator: ",").map(String.init).filter { !$0.isEmpty },
            scheduler: try resilience.apply(to: schedulerConfiguration)
        )
        // One thread for every connection and the scheduler itself: a call then reaches the scheduler, and its
        // answer goes out, with no thread switch (as ocluster's single Lwt thread does it).
        let daemon = try await SchedulerDaemon.start(
            vat: try vat.makeVat(singleThreaded: true, limits: connectionLimits.limits),
            configuration: configuration
        )
        var services = [LifecycleService(run: daemon.run, shutdown: daemon.shutdown)]
        if let address = listenPrometheus, let exporter {
            let http = SchedulerHTTP(scheduler: daemon.scheduler) {
                (PrometheusExporter.contentType, exporter.render())
            }
            let server = MetricsHTTPServer(host: address.host, port: address.port) { method, path in
                let reply = await http.respond(method: method, path: path)
                return HTTPReply(
                    status: reply.status,
                    contentType: reply.contentType,
                    headers: reply.headers,
                    body: reply.body
                )
            }
            services.append(LifecycleService(run: server.run, shutdown: { server.shutdown() }))
        }
        try await ServiceRunner.run(services, logLabel: "ocluster.scheduler")
    }
}

// Few malloc arenas: the scheduler's memory then follows its heap (see MallocTuning).
MallocTuning.limitArenas(2)
await runCommand(SchedulerCommand.self, Array(CommandLine.arguments.dropFirst()))
