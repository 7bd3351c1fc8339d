// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import GRDB
import OClusterScheduler
import TestSupport
import Testing

/// The SQLite store on real files: schema, round trips, pools and clients.
@Suite struct SchedulerStoreTests {
    /// `PRAGMA table_info` rows as (name, type, notnull, default, pk).
    private func columns(_ db: Database, _ table: String) throws -> [String] {
        try Row.fetchAll(
            db,
            sql: "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)",
            arguments: [table]
        )
        .map { row in
            let defaultValue: String? = row[3]
            return "\(row[0] as String) \(row[1] as String) notnull=\(row[2] as Int) "
                + "default=\(defaultValue ?? "-") pk=\(row[4] as Int)"
        }
    }

    /// The state directory and the tables are created as `ocluster-scheduler --state-dir` creates them.
    @Test func createsTheSchema() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let stateDirectory = temp.file("state")
        let store = try SchedulerStore(stateDirectory: stateDirectory)
        #expect(store.path == stateDirectory + "/scheduler.db")
        let attributes = try FileManager.default.attributesOfItem(atPath: stateDirectory)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o7077 } == 0o755 & 0o7077)
        try TemporaryDirectory.inspect(store.path) { db throws in
            #expect(
                try columns(db, "cached") == [
                    "pool TEXT notnull=1 default=- pk=1",
                    "cache_hint TEXT notnull=1 default=- pk=2",
                    "worker TEXT notnull=1 default=- pk=3",
                    "created DATETIME notnull=1 default=- pk=0",
                ]
            )
            #expect(
                try columns(db, "pool_user_rate") == [
                    "pool TEXT notnull=1 default=- pk=1",
                    "user TEXT notnull=1 default=- pk=2",
                    "rate REAL notnull=1 default=- pk=0",
                ]
            )
            #expect(
                try columns(db, "workers") == [
                    "pool TEXT notnull=1 default=- pk=1",
                    "id TEXT notnull=1 default=- pk=2",
                    "paused BOOLEAN notnull=0 default=0 pk=0",
                ]
            )
            #expect(
                try columns(db, "sturdy_refs") == [
                    "hash BLOB notnull=1 default=- pk=1",
                    "type TEXT notnull=1 default=- pk=0",
                    "args BLOB notnull=1 default=- pk=0",
                    "created DATETIME notnull=1 default=- pk=0",
                ]
            )
            #expect(
                try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info('sturdy_refs_rev')") == [
                    "type", "args",
                ]
            )
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
        }
        #expect(try store.integrityCheck() == ["ok"])
    }

    /// `sqlite_master` is exactly what ocluster's own statements produce, plus our `queued_jobs` (which ocluster
    /// never reads).
    @Test func schemaIsOclustersSchema() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let reference = try OClusterDatabase.create(at: temp.file("ocluster.db"))
        let expected = try reference.read { db in try OClusterDatabase.schema(db) }
        try reference.close()
        let store = try SchedulerStore(path: temp.file("scheduler.db"))
        let actual = try TemporaryDirectory.inspect(store.path) { db in try OClusterDatabase.schema(db) }
        let ours = actual.filter { $0.contains("queued_jobs") }
        #expect(ours.count == 1)
        #expect(actual.filter { !$0.contains("queued_jobs") } == expected)
        #expect(expected.count == 9)  // 4 tables, their 4 primary-key autoindexes, sturdy_refs_rev
    }

    /// A state directory ocluster wrote is read as ocluster reads it, and ocluster can read what the store writes.
    @Test func sharesAStateDirectoryWithOcluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("scheduler.db")
        let serviceID = Array("0123456789abcdefghij".utf8)
        // sha256(serviceID), from Python's hashlib.
        let serviceIDDigest = hexBytes("6bc14bdc4517a7a682c6910de2e2946eb8e1ecd04090728fef6d092a7ceb62c5")
        let ocluster = try OClusterDatabase.create(at: path)
        try ocluster.write { db in
            let cached =
                "INSERT OR REPLACE INTO cached (pool, cache_hint, worker, created) VALUES (?, ?, ?, date('now'))"
            try db.execute(sql: cached, arguments: ["linux-x86_64", "hint-b", "w2"])
            try db.execute(sql: cached, arguments: ["linux-x86_64", "hint-a", "w2"])
            try db.execute(sql: cached, arguments: ["linux-x86_64", "hint-a", "w1"])
            try db.execute(sql: cached, arguments: ["linux-arm64", "hint-a", "w9"])
            try db.execute(
                sql: "INSERT OR REPLACE INTO pool_user_rate (pool, user, rate) VALUES (?, ?, ?)",
                arguments: ["linux-x86_64", "alice", 2.5]
            )
            try db.execute(
                sql: "INSERT OR IGNORE INTO workers (pool, id) VALUES (?, ?)",
                arguments: ["linux-x86_64", "w2"]
            )
            try db.execute(
                sql: "INSERT OR IGNORE INTO workers (pool, id) VALUES (?, ?)",
                arguments: ["linux-x86_64", "w1"]
            )
            try db.execute(
                sql: "UPDATE workers SET paused = ? WHERE pool = ? AND id = ?",
                arguments: [1, "linux-x86_64", "w1"]
            )
            try OClusterDatabase.addClient(db, id: "alice", digest: serviceIDDigest)
        }
        try ocluster.close()

        let store = try SchedulerStore(path: path)
        let state = try store.loadPool("linux-x86_64")
        #expect(state.cachedWorkers == ["hint-a": ["w1", "w2"], "hint-b": ["w2"]])
        #expect(state.rates == ["alice": 2.5])
        #expect(state.workers == ["w1": true, "w2": false])
        #expect(try store.loadPool("linux-arm64").cachedWorkers == ["hint-a": ["w9"]])
        #expect(try store.clients() == ["alice"])
        #expect(try store.client(forServiceID: serviceID) == "alice")
        #expect(try store.storedPools() == ["linux-arm64", "linux-x86_64"])

        // Now the store writes, and ocluster's queries (with its strict value-type matches) read it back.
        try store.apply(
            [.addWorker(name: "w0"), .setPaused(worker: "w0", paused: true), .setRate(client: "bob", rate: 3)],
            toPool: "linux-x86_64"
        )
        try store.addClient("bob")
        try TemporaryDirectory.inspect(path) { db throws in
            #expect(
                try OClusterDatabase.knownWorkers(db, pool: "linux-x86_64") == ["w0": true, "w1": true, "w2": false]
            )
            #expect(try OClusterDatabase.listClients(db) == ["alice", "bob"])
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT typeof(rate) FROM pool_user_rate") == ["real"])
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT typeof(created) FROM sturdy_refs") == ["text"])
        }
    }

    /// Changes written, store closed and reopened: the same state as applying them in memory.
    @Test func changesSurviveReopening() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let changes: [PoolChange] = [
            .addWorker(name: "w1"),
            .addWorker(name: "w2"),
            .markCached(hint: "a", worker: "w2"),
            .markCached(hint: "a", worker: "w1"),
            .markCached(hint: "a", worker: "w1"),
            .markCached(hint: "", worker: "w1"),
            .setRate(client: "c1", rate: 0.25),
            .setRate(client: "c2", rate: 4),
            .setPaused(worker: "w2", paused: true),
            .setPaused(worker: "unknown", paused: true),
            .addWorker(name: "w2"),
            .removeRate(client: "c2"),
            .addWorker(name: "w3"),
            .forgetWorker(name: "w1"),
            .removeRate(client: "never-set"),
        ]
        var expected = PoolPersistedState()
        for change in changes { expected.apply(change) }
        #expect(expected.workers == ["w2": true, "w3": false])

        let store = try SchedulerStore(stateDirectory: temp.path)
        try store.apply(Array(changes[..<7]), toPool: "p")
        try store.apply(Array(changes[7...]), toPool: "p")
        try store.apply([.addWorker(name: "other")], toPool: "q")
        #expect(try store.loadPool("p") == expected)
        try store.close()
        // A clean close leaves everything in scheduler.db itself.
        let walSize = try? FileManager.default.attributesOfItem(atPath: store.path + "-wal")[.size] as? Int
        #expect((walSize ?? 0) == 0)

        let reopened = try SchedulerStore(stateDirectory: temp.path)
        #expect(try reopened.loadPool("p") == expected)
        #expect(try reopened.loadPool("q").workers == ["other": false])
        #expect(try reopened.loadPool("new") == PoolPersistedState())
        #expect(try reopened.rate(client: "c1", pool: "p") == 0.25)
        #expect(try reopened.rate(client: "c2", pool: "p") == 1)
    }

    /// ocluster's `persist` scenario (cache hints survive a restart), through a real database file.
    @Test func persistScenarioThroughAFile() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let store = try SchedulerStore(stateDirectory: temp.path)
            var first = Harness("persist", persisted: try store.loadPool("persist"))
            let w1 = try first.connect("worker-1")
            first.pool.ensureClient("u1")
            first.submit("u1", "job1", hint: "a")
            #expect(first.state(first.pop(w1)) == "job1")
            try first.pool.release(w1)
            try store.save(&first.pool)
            first.pause()
            #expect(try store.loadPool("persist") == first.pool.persisted)
            try store.close()
        }
        // The scheduler restarts.
        let store = try SchedulerStore(stateDirectory: temp.path)
        var h = Harness("persist", persisted: try store.loadPool("persist"))
        h.pool.ensureClient("u1")
        // worker-2 registers first, so it would normally get the next job.
        let w2 = try h.connect("worker-2")
        let w2a = h.pop(w2)
        let w1b = try h.connect("worker-1")
        let w1a = h.pop(w1b)
        h.submit("u1", "job2", hint: "a")
        try store.save(&h.pool)
        h.pause()
        #expect(h.state(w1a) == "job2")
        #expect(h.state(w2a) == "pending")
        try h.pool.release(w1b)
        try h.pool.release(w2)
        try store.save(&h.pool)
        h.pause()
        #expect(h.state(w2a) == "finished")
        #expect(h.dump().hasSuffix("cached: a: [worker-1]"))
        #expect(try store.loadPool("persist") == h.pool.persisted)
    }

    /// An admin pause survives a scheduler restart, not just a reconnection; `forget` and rates too.
    @Test func adminStateSurvivesRestart() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let store = try SchedulerStore(stateDirectory: temp.path)
            var h = Harness("admin", persisted: try store.loadPool("admin"))
            try h.pool.setAdminPaused(workerNamed: "worker-9", true)
            let w1 = try h.connect("worker-1")
            try h.pool.release(w1)
            _ = try h.connect("worker-2")
            try h.pool.forgetWorker("worker-1")
            try h.pool.setRate(client: "c", 3)
            try store.save(&h.pool)
            try store.close()
        }
        let store = try SchedulerStore(stateDirectory: temp.path)
        var h = Harness("admin", persisted: try store.loadPool("admin"))
        #expect(
            h.pool.knownWorkers() == [
                PoolWorkerInfo(name: "worker-2", active: true, connected: false),
                PoolWorkerInfo(name: "worker-9", active: false, connected: false),
            ]
        )
        #expect(h.pool.rate(client: "c") == 3)
        let w9 = try h.connect("worker-9")
        #expect(h.pool.inactiveReasons(w9) == .adminPause)
        try h.pool.setAdminPaused(workerNamed: "worker-9", false)
        try store.save(&h.pool)
        #expect(try store.loadPool("admin").workers == ["worker-2": false, "worker-9": false])
    }

    /// `makePool` starts a pool from the stored state.
    @Test func makePoolLoadsTheState() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        try store.apply([.addWorker(name: "w"), .setPaused(worker: "w", paused: true)], toPool: "p")
        let pool = try store.makePool(name: "p", clock: ManualClock(), of: TestJob.self)
        #expect(pool.name == "p")
        #expect(pool.persisted.workers == ["w": true])
    }

    /// A failed write leaves the changes queued in the pool; the next `save` writes them.
    @Test func failedSaveKeepsTheChanges() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        var h = Harness("retry")
        _ = try h.connect("w1")
        try h.pool.setRate(client: "c", 2)
        try store.close()
        #expect(throws: SchedulerStoreError.self) { try store.save(&h.pool) }
        let reopened = try SchedulerStore(stateDirectory: temp.path)
        try reopened.save(&h.pool)
        #expect(h.pool.drainChanges().isEmpty)
        #expect(try reopened.loadPool("retry") == h.pool.persisted)
    }

    /// Clients: the service ID is never stored, only its SHA-256, and it still resolves after a restart.
    @Test func clientsSurviveRestart() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        let bob = try store.addClient("bob")
        let alice = try store.addClient("alice")
        #expect(bob.count == 20 && alice.count == 20 && bob != alice)
        expectCodedError(SchedulerStoreError(.clientAlreadyRegistered, "Client \"bob\" already registered!")) {
            try store.addClient("bob")
        }
        #expect(try store.clients() == ["alice", "bob"])
        #expect(try store.hasClient("alice"))
        #expect(try !store.hasClient("carol"))
        #expect(try store.client(forServiceID: bob) == "bob")
        #expect(try store.client(forServiceID: Array(repeating: 0, count: 20)) == nil)
        // Only 32-byte digests are stored, never the service IDs.
        let stored = try TemporaryDirectory.inspect(store.path) { db throws in
            try Data.fetchAll(db, sql: "SELECT hash FROM sturdy_refs ORDER BY args").map { Array($0) }
        }
        #expect(stored.map(\.count) == [32, 32])
        #expect(!stored.contains(alice) && !stored.contains(bob))
        try store.close()

        let reopened = try SchedulerStore(stateDirectory: temp.path)
        #expect(try reopened.client(forServiceID: alice) == "alice")
        #expect(try reopened.clients() == ["alice", "bob"])
    }

    /// Removing a client revokes its service ID and, in the same transaction, drops its rates.
    @Test func removeClient() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        let alice = try store.addClient("alice")
        var p1 = Harness("p1", persisted: try store.loadPool("p1"))
        var p2 = Harness("p2", persisted: try store.loadPool("p2"))
        try p1.pool.setRate(client: "alice", 2)
        try p2.pool.setRate(client: "alice", 5)
        try store.save(&p1.pool)
        try store.save(&p2.pool)

        // An unknown client: nothing happens, not even the rate deletions passed along.
        p1.pool.removeClient("alice")
        let p1Removal = p1.pool.drainChanges()
        expectCodedError(SchedulerStoreError(.unknownClient, "Unknown client \"mallory\"")) {
            try store.removeClient("mallory", applying: ["p1": p1Removal])
        }
        // Names are quoted as OCaml's `%S` quotes them: escapes, and non-ASCII bytes in decimal.
        expectCodedError(SchedulerStoreError(.unknownClient, #"Unknown client "a\n\"b\"\195\169""#)) {
            try store.removeClient("a\n\"b\"é", applying: [:])
        }
        #expect(try store.rate(client: "alice", pool: "p1") == 2)

        p2.pool.removeClient("alice")
        try store.removeClient("alice", applying: ["p1": p1Removal, "p2": p2.pool.drainChanges()])
        #expect(try store.client(forServiceID: alice) == nil)
        #expect(try store.clients() == [])
        #expect(try store.loadPool("p1").rates == [:])
        #expect(try store.loadPool("p2").rates == [:])
        #expect(throws: SchedulerStoreError.self) { try store.removeClient("alice") }
        // The id can be registered again, with a new service ID; the old one stays revoked.
        let again = try store.addClient("alice")
        #expect(try store.client(forServiceID: again) == "alice")
        #expect(try store.client(forServiceID: alice) == nil)
    }

    /// The stored hash is SHA-256 (FIPS 180-4 test vectors, including multi-block messages).
    @Test func serviceIDsAreHashedWithSHA256() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        let vectors: [(String, [UInt8])] = [
            ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []),
            ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Array("abc".utf8)),
            (
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
            ),
            (
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                Array(
                    ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                        + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8
                )
            ),
            (
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                Array(repeating: 0x61, count: 1_000_000)
            ),
        ]
        for (index, (_, message)) in vectors.enumerated() {
            try store.addClient("client-\(index)", serviceID: message)
        }
        let stored = try TemporaryDirectory.inspect(store.path) { db throws in
            try String.fetchAll(db, sql: "SELECT lower(hex(hash)) FROM sturdy_refs ORDER BY args")
        }
        #expect(stored == vectors.map(\.0))
    }
}

/// "0aff" → [0x0a, 0xff].
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { offset in
        UInt8(String(decoding: digits[offset...offset + 1], as: UTF8.self), radix: 16)
    }
}
