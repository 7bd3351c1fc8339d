// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import GRDB

/// The scheduler's durable state: `<state-dir>/scheduler.db`, with ocluster's tables, so an ocluster state
/// directory can be used by this scheduler and the other way round.
///
/// What is stored (everything else is lost on restart):
/// - per pool, the cache hints each worker has built (`cached`), client rates (`pool_user_rate`) and the known
///   workers with their admin-pause flag (`workers`): see ``loadPool(_:)`` and ``apply(_:toPool:)``;
/// - the clients' submission sturdy refs (`sturdy_refs`), by the SHA-256 of their secret service ID: see
///   ``addClient(_:)``;
/// - ours alone, the queued jobs (`queued_jobs`, which ocluster does not know and ignores): see
///   ``queuedJobs()``.
///
/// The database is opened like ocluster opens it: WAL journal, `synchronous=NORMAL`, 1 s busy timeout. It is a
/// GRDB `DatabasePool`: one writer, and readers that each see a committed snapshot and never block it.
/// Every method is synchronous and thread-safe. The scheduler reads on its own thread (readers never wait for the
/// writer) but writes only through its ``StoreWriter`` thread, so that a slow or frozen disk cannot stall it.
public final class SchedulerStore: Sendable {
    /// The database's file name inside the state directory.
    public static let databaseFileName = "scheduler.db"

    /// The `sturdy_refs.type` of a client's submission endpoint (ocluster's `Sqlite_loader.Ty` registration).
    public static let clientRefType = "ocluster-client"

    /// The database file.
    public let path: String

    let database: DatabasePool

    /// Opens `<stateDirectory>/scheduler.db`, creating the directory (not its parents, mode 0755) and the
    /// database if they do not exist, as `ocluster-scheduler --state-dir` does.
    public convenience init(stateDirectory: String) throws(SchedulerStoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: stateDirectory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SchedulerStoreError(
                    .cannotCreateDirectory,
                    "State directory \(stateDirectory) is not a directory"
                )
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: stateDirectory,
                    withIntermediateDirectories: false,
                    attributes: [.posixPermissions: 0o755]
                )
            } catch {
                throw SchedulerStoreError(
                    .cannotCreateDirectory,
                    "Cannot create state directory \(stateDirectory): \(error.localizedDescription)"
                )
            }
        }
        let path = stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/"
        try self.init(path: path + Self.databaseFileName)
    }

    /// Opens (or creates) the database at `path`, creates or checks the tables, and fails with a
    /// ``SchedulerStoreError`` (never a crash) if the file is not a usable scheduler database.
    public init(path: String) throws(SchedulerStoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(1.0)
        configuration.label = "scheduler.db"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous=NORMAL")
        }
        do {
            // DatabasePool switches the file to WAL mode, which reads the header: garbage fails here.
            database = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SchedulerStoreError(wrapping: error, context: "Cannot open \(path)")
        }
        do {
            try SchedulerSchema.migrator.migrate(database)
            try database.read { db in try SchedulerSchema.verify(db) }
        } catch {
            try? database.close()
            throw SchedulerStoreError(wrapping: error, context: "Cannot use \(path)")
        }
    }

    /// Checkpoints the WAL into `scheduler.db` (so that the file alone holds everything, e.g. for a backup)
    /// and closes the database. Later calls fail.
    ///
    /// Without this, deinitializing the store also closes the database, but may leave committed data in
    /// `scheduler.db-wal`, where the next open (by this store or by ocluster) finds it.
    public func close() throws(SchedulerStoreError) {
        do {
            try database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try database.close()
        } catch {
            throw SchedulerStoreError(wrapping: error, context: "Closing \(path)")
        }
    }

    /// Runs SQLite's `PRAGMA integrity_check` and returns its report: `["ok"]` for a sound database.
    public func integrityCheck() throws(SchedulerStoreError) -> [String] {
        try read("Checking \(path)") { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check")
        }
    }

    /// Runs `body` in a read transaction (a snapshot of the last commit), classifying errors.
    func read<T>(_ context: @autoclosure () -> String, _ body: (Database) throws -> T) throws(SchedulerStoreError) -> T
    {
        do {
            return try database.read(body)
        } catch {
            throw SchedulerStoreError(wrapping: error, context: context())
        }
    }

    /// Runs `body` in a write transaction, which is rolled back if it throws.
    func write<T>(_ context: @autoclosure () -> String, _ body: (Database) throws -> T) throws(SchedulerStoreError) -> T
    {
        do {
            return try database.write(body)
        } catch {
            throw SchedulerStoreError(wrapping: error, context: context())
        }
    }
}
