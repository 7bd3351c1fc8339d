// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import GRDB

/// The tables of ocluster's `scheduler.db`, created with ocluster's own statements so that either program can
/// open a state directory the other wrote.
///
/// ocluster runs these `CREATE … IF NOT EXISTS` statements at every start and has no schema versioning. Here
/// they form the first migration of a `DatabaseMigrator` (which adds GRDB's `grdb_migrations` table; ocluster
/// ignores it). Because the statements are idempotent, the migration also succeeds on a database ocluster
/// created. Later migrations must stay compatible with ocluster's queries (listed in ``SchedulerStore``).
enum SchedulerSchema {
    /// `scheduler/pool.ml`, `Dao.init`.
    static let createCached = """
        CREATE TABLE IF NOT EXISTS cached ( \
        pool       TEXT NOT NULL, \
        cache_hint TEXT NOT NULL, \
        worker     TEXT NOT NULL, \
        created    DATETIME NOT NULL, \
        PRIMARY KEY (pool, cache_hint, worker))
        """

    /// `scheduler/pool.ml`, `Dao.init`.
    static let createPoolUserRate = """
        CREATE TABLE IF NOT EXISTS pool_user_rate ( \
        pool       TEXT NOT NULL, \
        user       TEXT NOT NULL, \
        rate       REAL NOT NULL, \
        PRIMARY KEY (pool, user))
        """

    /// `scheduler/pool.ml`, `Dao.init`. `id` is the worker's name.
    static let createWorkers = """
        CREATE TABLE IF NOT EXISTS workers ( \
        pool       TEXT NOT NULL, \
        id         TEXT NOT NULL, \
        paused     BOOLEAN DEFAULT 0, \
        PRIMARY KEY (pool, id))
        """

    /// `scheduler/sqlite_loader.ml`, `create`: capnp-rpc sturdy refs that outlive restarts (the clients).
    static let createSturdyRefs = """
        CREATE TABLE IF NOT EXISTS sturdy_refs ( \
        hash       BLOB NOT NULL, \
        type       TEXT NOT NULL, \
        args       BLOB NOT NULL, \
        created    DATETIME NOT NULL, \
        PRIMARY KEY (hash))
        """

    /// `scheduler/sqlite_loader.ml`, `create`.
    static let createSturdyRefsIndex = "CREATE INDEX IF NOT EXISTS sturdy_refs_rev ON sturdy_refs (type, args)"

    /// Ours alone (ocluster loses its queue on restart, and ignores this table): the queued jobs, by number.
    static let createQueuedJobs = """
        CREATE TABLE IF NOT EXISTS queued_jobs ( \
        id         INTEGER PRIMARY KEY, \
        pool       TEXT NOT NULL, \
        client     TEXT NOT NULL, \
        urgent     BOOLEAN NOT NULL, \
        cache_hint TEXT NOT NULL, \
        descr      BLOB NOT NULL, \
        submitted  REAL NOT NULL)
        """

    /// A finished job's result, kept in its row until its client let go of it: the output or the error's
    /// reason (NULL while the job is queued or running), and the error's exception type (NULL: it succeeded).
    static let addQueuedJobResults = [
        "ALTER TABLE queued_jobs ADD COLUMN result TEXT",
        "ALTER TABLE queued_jobs ADD COLUMN result_error INTEGER",
    ]

    /// The columns each table must have, and its primary key in order; extra columns are tolerated.
    static let requiredTables: [(table: String, columns: [String], primaryKey: [String])] = [
        ("cached", ["pool", "cache_hint", "worker", "created"], ["pool", "cache_hint", "worker"]),
        ("pool_user_rate", ["pool", "user", "rate"], ["pool", "user"]),
        ("workers", ["pool", "id", "paused"], ["pool", "id"]),
        ("sturdy_refs", ["hash", "type", "args", "created"], ["hash"]),
    ]

    /// The migrations, oldest first.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("ocluster-scheduler-v1") { db in
            try db.execute(sql: createCached)
            try db.execute(sql: createPoolUserRate)
            try db.execute(sql: createWorkers)
            try db.execute(sql: createSturdyRefs)
            try db.execute(sql: createSturdyRefsIndex)
        }
        migrator.registerMigration("swift-queued-jobs-v1") { db in
            try db.execute(sql: createQueuedJobs)
        }
        migrator.registerMigration("swift-queued-job-results-v1") { db in
            for statement in addQueuedJobResults { try db.execute(sql: statement) }
        }
        return migrator
    }

    /// Fails with `.incompatibleSchema` if a table lacks a column the scheduler uses, or is keyed differently
    /// (`INSERT OR REPLACE` and `INSERT OR IGNORE` rely on the primary keys).
    static func verify(_ db: Database) throws {
        for (table, columns, primaryKey) in requiredTables {
            let rows = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?)", arguments: [table])
            let names = Set(rows.map { $0["name"] as String })
            let missing = columns.filter { !names.contains($0) }
            guard missing.isEmpty else {
                throw SchedulerStoreError(
                    .incompatibleSchema,
                    "Table \(table) lacks column(s) \(missing.joined(separator: ", ")); not an ocluster scheduler.db?"
                )
            }
            let key = rows.compactMap { row -> (Int, String)? in
                let position: Int = row["pk"]
                return position > 0 ? (position, row["name"]) : nil
            }
            .sorted { $0.0 < $1.0 }.map(\.1)
            guard key == primaryKey else {
                throw SchedulerStoreError(
                    .incompatibleSchema,
                    "Table \(table) has primary key (\(key.joined(separator: ", "))), "
                        + "expected (\(primaryKey.joined(separator: ", ")))"
                )
            }
        }
    }
}
