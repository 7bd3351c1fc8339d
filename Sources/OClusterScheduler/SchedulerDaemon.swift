// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import Logging
import OClusterAPI

/// What `ocluster-scheduler` is asked to run.
public struct SchedulerDaemonConfiguration: Sendable {
    /// `--secrets-dir`: where `admin.cap`, `pool-NAME.cap` and `submit-CLIENT.cap` are written (must exist).
    public var secretsDirectory: String
    /// `--state-dir`: holds `scheduler.db` (created, mode 0755, if missing).
    public var stateDirectory: String
    /// `--pools`.
    public var pools: [String]
    /// `--default-clients`: clients to provision, each with `submit-CLIENT.cap` unless that file exists.
    public var defaultClients: [String]
    /// Scheduler tunables.
    public var scheduler: Scheduler.Configuration

    /// Creates a configuration.
    public init(
        secretsDirectory: String,
        stateDirectory: String,
        pools: [String],
        defaultClients: [String] = [],
        scheduler: Scheduler.Configuration = Scheduler.Configuration()
    ) {
        self.secretsDirectory = secretsDirectory
        self.stateDirectory = stateDirectory
        self.pools = pools
        self.defaultClients = defaultClients
        self.scheduler = scheduler
    }
}

/// A running scheduler process: the store, the scheduler, its services on a listening ``Vat``, and the `.cap`
/// files, set up in ocluster's order (database, services, default clients, listen, then `admin.cap` and
/// `pool-NAME.cap`).
public final class SchedulerDaemon: Sendable {
    /// The scheduler.
    public let scheduler: Scheduler
    /// Its services.
    public let services: SchedulerServices
    /// The vat serving them.
    public let vat: Vat
    let store: SchedulerStore
    let logger: Logger

    private init(scheduler: Scheduler, services: SchedulerServices, vat: Vat, store: SchedulerStore, logger: Logger) {
        self.scheduler = scheduler
        self.services = services
        self.vat = vat
        self.store = store
        self.logger = logger
    }

    /// Opens the state, starts listening and writes the `.cap` files. Serve with ``run()``.
    ///
    /// - Throws: ``SchedulerError``, ``SchedulerStoreError`` or a network error, with a message for people.
    public static func start(
        vat: Vat,
        configuration: SchedulerDaemonConfiguration,
        logger: Logger = Logger(label: "ocluster.scheduler")
    ) async throws -> SchedulerDaemon {
        guard let key = vat.secretKey else {
            throw SchedulerError(.invalidArgument, "The scheduler's vat needs a secret key")
        }
        let store = try SchedulerStore(stateDirectory: configuration.stateDirectory)
        let scheduler = try Scheduler(
            pools: configuration.pools,
            store: store,
            configuration: configuration.scheduler,
            logger: logger,
            // On one of the vat's event loops, so calls read there reach it without a thread switch.
            executor: vat.network.makeExecutor()
        )
        let services = SchedulerServices(scheduler: scheduler, hashedSecret: key.hashedSecret, logger: logger)
        vat.setFallbackRestorer { id in services.restore(id.bytes) }
        // Workers and admins still get in when unknown peers hold every other connection.
        vat.setReservedServices([services.adminID] + Array(services.poolIDs.values))
        try await vat.start()
        services.setSturdyRefMaker { id in try? vat.sturdyRef(for: id) }
        let daemon = SchedulerDaemon(scheduler: scheduler, services: services, vat: vat, store: store, logger: logger)
        for client in configuration.defaultClients {
            try await daemon.provision(client: client, secretsDirectory: configuration.secretsDirectory)
        }
        try daemon.export(services.adminID, name: "admin", secretsDirectory: configuration.secretsDirectory)
        for pool in scheduler.poolNames {
            guard let id = services.poolIDs[pool] else { continue }
            try daemon.export(id, name: "pool-\(pool)", secretsDirectory: configuration.secretsDirectory)
        }
        return daemon
    }

    /// Serves connections until ``shutdown()``.
    public func run() async throws {
        let scheduler = scheduler
        let liveness = Task { await scheduler.checkWorkers() }
        defer { liveness.cancel() }
        try await vat.run()
    }

    /// Stops listening, closes every connection and the database.
    public func shutdown() async {
        await vat.shutdown()
        await scheduler.flushAll()
        try? store.close()
    }

    private func provision(client: String, secretsDirectory: String) async throws {
        let path = (secretsDirectory as NSString).appendingPathComponent("submit-\(client).cap")
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let serviceID = try await scheduler.addClient(client)
        try CapFile.save(try vat.sturdyRef(for: ServiceID(bytes: serviceID)), to: path)
        logger.notice("Wrote capability reference to \(ocamlQuoted(path))")
    }

    private func export(_ id: ServiceID, name: String, secretsDirectory: String) throws {
        let path = (secretsDirectory as NSString).appendingPathComponent("\(name).cap")
        try CapFile.save(try vat.sturdyRef(for: id), to: path)
        logger.notice("Wrote capability reference to \(ocamlQuoted(path))")
    }
}
