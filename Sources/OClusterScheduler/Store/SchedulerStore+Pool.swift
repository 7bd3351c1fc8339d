// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import GRDB

extension SchedulerStore {
    /// The durable state of one pool, read in a single snapshot, to pass to `Pool(name:clock:persisted:)`.
    ///
    /// A pool that has no rows yet (a new pool name) gets an empty state. A NULL `paused` (which ocluster never
    /// writes) counts as not paused.
    public func loadPool(_ pool: String) throws(SchedulerStoreError) -> PoolPersistedState {
        try read("Loading pool \(pool)") { db in
            let cached = try Row.fetchAll(
                db,
                sql: "SELECT cache_hint, worker FROM cached WHERE pool = ? ORDER BY cache_hint, worker",
                arguments: [pool]
            )
            .map { row in (hint: row[0] as String, worker: row[1] as String) }
            var rates: [String: Double] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT user, rate FROM pool_user_rate WHERE pool = ?",
                arguments: [pool]
            ) {
                rates[row[0]] = row[1] as Double
            }
            var workers: [String: Bool] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, paused FROM workers WHERE pool = ?", arguments: [pool]) {
                workers[row[0]] = (row[1] as Bool?) ?? false
            }
            return PoolPersistedState(cached: cached, rates: rates, workers: workers)
        }
    }

    /// Creates a pool from its stored state (``loadPool(_:)``).
    public func makePool<Item: PoolItem, Clock: PoolClock>(
        name: String,
        clock: Clock,
        of itemType: Item.Type = Item.self
    ) throws(SchedulerStoreError) -> Pool<Item, Clock> {
        Pool(name: name, clock: clock, persisted: try loadPool(name))
    }

    /// Writes a pool's changes (its `drainChanges()` output, in order) in one transaction: all or nothing.
    ///
    /// Each change runs the statement ocluster runs for the same event, so the tables end up as ocluster's
    /// would; `created` is `date('now')`, as ocluster writes it.
    public func apply(_ changes: [PoolChange], toPool pool: String) throws(SchedulerStoreError) {
        guard !changes.isEmpty else { return }
        try write("Saving \(changes.count) change(s) to pool \(pool)") { db in
            try Self.apply(changes, toPool: pool, in: db)
        }
    }

    /// Writes the changes the pool has queued and, only once they are committed, removes them from its queue.
    ///
    /// Use this instead of `drainChanges()` + ``apply(_:toPool:)`` when a failed write should be retried: the
    /// changes stay queued in the pool (which keeps working from its in-memory state) and the next call writes
    /// them again, in order, with any newer ones. Replaying a prefix twice leaves the same rows.
    public func save<Item, Clock>(_ pool: inout Pool<Item, Clock>) throws(SchedulerStoreError) {
        let pending = pool.changes
        try apply(pending, toPool: pool.name)
        pool.dropChanges(pending.count)
    }

    /// Writes changes for several pools in one transaction (e.g. the rate deletions of a removed client).
    public func apply(_ changesByPool: [String: [PoolChange]]) throws(SchedulerStoreError) {
        guard changesByPool.values.contains(where: { !$0.isEmpty }) else { return }
        try write("Saving pool changes") { db in
            for (pool, changes) in changesByPool {
                try Self.apply(changes, toPool: pool, in: db)
            }
        }
    }

    static func apply(_ changes: [PoolChange], toPool pool: String, in db: Database) throws {
        for change in changes {
            switch change {
            case .markCached(let hint, let worker):
                try db.cachedStatement(
                    sql:
                        "INSERT OR REPLACE INTO cached (pool, cache_hint, worker, created) VALUES (?, ?, ?, date('now'))"
                )
                .execute(arguments: [pool, hint, worker])
            case .setRate(let client, let rate):
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO pool_user_rate (pool, user, rate) VALUES (?, ?, ?)")
                    .execute(arguments: [pool, client, rate])
            case .removeRate(let client):
                try db.cachedStatement(sql: "DELETE FROM pool_user_rate WHERE pool = ? AND user = ?")
                    .execute(arguments: [pool, client])
            case .addWorker(let name):
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO workers (pool, id) VALUES (?, ?)")
                    .execute(arguments: [pool, name])
            case .setPaused(let worker, let paused):
                try db.cachedStatement(sql: "UPDATE workers SET paused = ? WHERE pool = ? AND id = ?")
                    .execute(arguments: [paused ? 1 : 0, pool, worker])
            case .forgetWorker(let name):
                try db.cachedStatement(sql: "DELETE FROM workers WHERE pool = ? AND id = ?")
                    .execute(arguments: [pool, name])
            }
        }
    }

    /// The client's rate in `pool` (1 when none is stored), as ocluster's `Dao.get_rate`.
    public func rate(client: String, pool: String) throws(SchedulerStoreError) -> Double {
        try read("Reading rate of \(client) in \(pool)") { db in
            try Double.fetchOne(
                db,
                sql: "SELECT rate FROM pool_user_rate WHERE pool = ? AND user = ?",
                arguments: [pool, client]
            ) ?? 1.0
        }
    }

    /// Every pool name that has rows in any of the pool tables, sorted (for diagnostics: ocluster serves only
    /// the pools named on its command line, whatever the database holds).
    public func storedPools() throws(SchedulerStoreError) -> [String] {
        try read("Listing pools") { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT pool FROM cached UNION SELECT pool FROM pool_user_rate UNION SELECT pool FROM workers \
                    ORDER BY 1
                    """
            )
        }
    }
}
