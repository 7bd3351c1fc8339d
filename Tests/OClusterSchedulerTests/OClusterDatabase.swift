// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import GRDB

/// What ocluster itself does to `scheduler.db`, statement for statement, to check that the store and ocluster
/// can share a state directory.
///
/// The strings are ocluster's (`scheduler/pool.ml` `Dao.init`, `scheduler/sqlite_loader.ml` `create`, and the
/// statements they prepare) with OCaml's `\`-newline continuations resolved.
enum OClusterDatabase {
    static let createStatements = [
        "CREATE TABLE IF NOT EXISTS cached ( pool       TEXT NOT NULL, cache_hint TEXT NOT NULL, "
            + "worker     TEXT NOT NULL, created    DATETIME NOT NULL, PRIMARY KEY (pool, cache_hint, worker))",
        "CREATE TABLE IF NOT EXISTS pool_user_rate ( pool       TEXT NOT NULL, user       TEXT NOT NULL, "
            + "rate       REAL NOT NULL, PRIMARY KEY (pool, user))",
        "CREATE TABLE IF NOT EXISTS workers ( pool       TEXT NOT NULL, id         TEXT NOT NULL, "
            + "paused     BOOLEAN DEFAULT 0, PRIMARY KEY (pool, id))",
        "CREATE TABLE IF NOT EXISTS sturdy_refs ( hash       BLOB NOT NULL, type       TEXT NOT NULL, "
            + "args       BLOB NOT NULL, created    DATETIME NOT NULL, PRIMARY KEY (hash))",
        "CREATE INDEX IF NOT EXISTS sturdy_refs_rev ON sturdy_refs (type, args)",
    ]

    /// Opens a database the way `bin/scheduler.ml` does and creates the tables.
    static func create(at path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.inDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL")
            try db.execute(sql: "PRAGMA synchronous=NORMAL")
            for sql in createStatements { try db.execute(sql: sql) }
        }
        return queue
    }

    /// `sqlite_master` as (type, name, sql), sorted by name, without GRDB's own table.
    static func schema(_ db: Database) throws -> [[String?]] {
        try Row.fetchAll(
            db,
            sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '%grdb_migrations%' ORDER BY name"
        )
        .map { [$0[0], $0[1], $0[2]] }
    }

    /// `Dao.known_workers`, with the value types ocluster's pattern match accepts (`TEXT`, `INT 0L | INT 1L`).
    static func knownWorkers(_ db: Database, pool: String) throws -> [String: Bool]? {
        var result: [String: Bool] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT id, paused, typeof(id), typeof(paused) FROM workers WHERE pool = ?",
            arguments: [pool]
        )
        for row in rows {
            guard row[2] as String == "text", row[3] as String == "integer" else { return nil }
            let paused: Int = row[1]
            guard paused == 0 || paused == 1 else { return nil }
            result[row[0]] = paused == 1
        }
        return result
    }

    /// `Sqlite_loader.list_by_type`, which requires `BLOB hash; BLOB args`.
    static func listClients(_ db: Database) throws -> [String]? {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT typeof(hash), typeof(args), args FROM sturdy_refs WHERE type = ? ORDER BY args",
            arguments: ["ocluster-client"]
        )
        guard rows.allSatisfy({ $0[0] as String == "blob" && $0[1] as String == "blob" }) else { return nil }
        return rows.map { String(decoding: $0[2] as Data, as: UTF8.self) }
    }

    /// `Sqlite_loader.add`: what ocluster's `addClient` writes for a given service ID digest.
    static func addClient(_ db: Database, id: String, digest: [UInt8]) throws {
        try db.execute(
            sql: "INSERT INTO sturdy_refs (hash, type, args, created) VALUES (?, ?, ?, date('now'))",
            arguments: [Data(digest), "ocluster-client", Data(id.utf8)]
        )
    }
}
