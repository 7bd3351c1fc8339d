// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import GRDB
import OClusterScheduler
import Synchronization
import TestSupport
import Testing

/// The store under crashes, concurrency and damaged files.
@Suite struct SchedulerStoreDurabilityTests {
    private static let sqliteShell = "/usr/bin/sqlite3"

    /// A crash leaves the database file and its WAL as they are; every committed transaction is in them.
    @Test func crashImageHasEveryCommit() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.file("live"))
        var expected = PoolPersistedState()
        for n in 0..<50 {
            let changes: [PoolChange] = [
                .addWorker(name: "w\(n)"),
                .markCached(hint: "hint-\(n % 7)", worker: "w\(n)"),
                .setRate(client: "c\(n % 5)", rate: Double(n + 1)),
                .setPaused(worker: "w\(n / 2)", paused: n % 3 == 0),
            ]
            try store.apply(changes, toPool: "p")
            for change in changes { expected.apply(change) }
        }
        try store.addClient("alice", serviceID: Array("alice-service-id-000".utf8))

        // Copy the files while the store is still open, as a power cut or kill -9 would leave them.
        let walSize = try FileManager.default.attributesOfItem(atPath: store.path + "-wal")[.size] as? Int ?? 0
        #expect(walSize > 0)  // the commits are (at least partly) only in the WAL
        try FileManager.default.createDirectory(atPath: temp.file("crashed"), withIntermediateDirectories: false)
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(
                atPath: store.path + suffix,
                toPath: temp.file("crashed/scheduler.db") + suffix
            )
        }

        let recovered = try SchedulerStore(stateDirectory: temp.file("crashed"))
        #expect(try recovered.integrityCheck() == ["ok"])
        #expect(try recovered.loadPool("p") == expected)
        #expect(try recovered.client(forServiceID: Array("alice-service-id-000".utf8)) == "alice")
        #expect(try store.loadPool("p") == expected)
    }

    /// A writer killed in the middle of a transaction (here the `sqlite3` shell, killed with SIGKILL while
    /// holding the write lock): its uncommitted rows vanish, committed ones stay, and the store can write.
    @Test(.requires("sqlite3", FileManager.default.isExecutableFile(atPath: sqliteShell)))
    func killedWriterLosesOnlyItsOpenTransaction() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        try store.apply([.addWorker(name: "before")], toPool: "p")

        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: Self.sqliteShell)
        shell.arguments = [store.path]
        let input = Pipe()
        let output = Pipe()
        shell.standardInput = input
        shell.standardOutput = output
        try shell.run()
        let script = """
            PRAGMA busy_timeout=5000;
            INSERT OR IGNORE INTO workers (pool, id) VALUES ('p', 'committed');
            BEGIN IMMEDIATE;
            INSERT OR IGNORE INTO workers (pool, id) VALUES ('p', 'uncommitted');
            INSERT OR REPLACE INTO pool_user_rate (pool, user, rate) VALUES ('p', 'u', 9.0);
            SELECT 'in-transaction';

            """
        input.fileHandleForWriting.write(Data(script.utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("in-transaction") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("in-transaction"))
        kill(shell.processIdentifier, SIGKILL)
        shell.waitUntilExit()
        #expect(shell.terminationReason == .uncaughtSignal)

        #expect(try store.loadPool("p").workers == ["before": false, "committed": false])
        try store.apply([.addWorker(name: "after")], toPool: "p")
        try store.close()
        let reopened = try SchedulerStore(stateDirectory: temp.path)
        #expect(try reopened.loadPool("p").workers == ["after": false, "before": false, "committed": false])
        #expect(try reopened.loadPool("p").rates == [:])
        #expect(try reopened.integrityCheck() == ["ok"])
    }

    /// Readers (of this store and of a second one on the same file, like another process), each on its own
    /// thread, see whole transactions only, and never in a going-back order, while a writer thread commits.
    @Test func concurrentReadersSeeWholeTransactions() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let store = try SchedulerStore(stateDirectory: temp.path)
        let other = try SchedulerStore(stateDirectory: temp.path)
        let transactions = 300
        let log = ConcurrencyLog()
        let finished = DispatchGroup()
        let writer = Thread {
            defer { log.writerDone() }
            do {
                for n in 0..<transactions {
                    // Each transaction adds one worker and one rate: a reader must never see one without the other.
                    try store.apply([.addWorker(name: "w\(n)"), .setRate(client: "c\(n)", rate: 1)], toPool: "p")
                }
            } catch {
                log.problem("writer: \(error)")
            }
        }
        for reader in [store, other, store, other] {
            finished.enter()
            Thread {
                defer { finished.leave() }
                var last = 0
                var reads = 0
                // Read until the writer is done (and at least a few times after).
                while !log.isWriterDone || reads < 5 {
                    do {
                        let state = try reader.loadPool("p")
                        if state.workers.count != state.rates.count {
                            log.problem("torn: \(state.workers.count) vs \(state.rates.count)")
                        }
                        if state.workers.count < last { log.problem("went back: \(state.workers.count) < \(last)") }
                        last = state.workers.count
                        log.observed(last)
                    } catch {
                        log.problem("reader: \(error)")
                        return
                    }
                    reads += 1
                }
            }
            .start()
        }
        writer.start()
        #expect(finished.wait(timeout: .now() + 60) == .success)
        #expect(log.problems == [])
        // The readers really ran during the writes: they saw intermediate states.
        #expect(log.intermediateStates(below: transactions) > 0)
        #expect(try other.loadPool("p").workers.count == transactions)
    }

    /// Two stores writing the same file at once (two processes): the busy timeout serializes them.
    @Test func concurrentWritersAreSerialized() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let stores = [try SchedulerStore(stateDirectory: temp.path), try SchedulerStore(stateDirectory: temp.path)]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    for n in 0..<100 { try store.apply([.addWorker(name: "s\(index)-\(n)")], toPool: "p") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try stores[0].loadPool("p").workers.count == 200)
    }

    /// A file that is not a database is reported, with its path, as `.notADatabase`.
    @Test func garbageFileIsAnError() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<8192).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        for contents in [Data(garbage), Data("this is not a database\n".utf8)] {
            #expect(FileManager.default.createFile(atPath: temp.file("scheduler.db"), contents: contents))
            let error = #expect(throws: SchedulerStoreError.self) {
                try SchedulerStore(stateDirectory: temp.path)
            }
            #expect(error?.code == .notADatabase)
            #expect(error?.message.contains(temp.file("scheduler.db")) == true)
            // SQLite's own error is kept as the cause.
            #expect((error?.cause as? DatabaseError)?.resultCode.primaryResultCode == .SQLITE_NOTADB)
            // The file is left alone for the administrator to look at.
            #expect(FileManager.default.contents(atPath: temp.file("scheduler.db")) == contents)
        }
    }

    /// A real database whose pages were overwritten: an error (at open, load or integrity check), never a crash.
    @Test func damagedPagesAreAnError() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let store = try SchedulerStore(stateDirectory: temp.path)
            for n in 0..<200 {
                try store.apply([.markCached(hint: "hint-\(n)", worker: "worker-with-a-long-name-\(n)")], toPool: "p")
            }
            try store.close()  // checkpoints the WAL into the main file
        }
        let path = temp.file("scheduler.db")
        var bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count >= 4 * 4096)
        // Keep page 1 (header and schema), scribble over everything after it.
        for index in 4096..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31) }
        try bytes.write(to: URL(fileURLWithPath: path))

        var outcome = "no error"
        do {
            let store = try SchedulerStore(stateDirectory: temp.path)
            let report = try store.integrityCheck()
            if report != ["ok"] { outcome = "integrity check failed" }
            _ = try store.loadPool("p")
        } catch {
            #expect([.corrupt, .notADatabase].contains(error.code))
            if outcome == "no error" { outcome = "\(error.code)" }
        }
        #expect(outcome != "no error")
    }

    /// Tables with ocluster's names but other columns are refused rather than misread.
    @Test func foreignSchemaIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try TemporaryDirectory.inspect(temp.file("scheduler.db")) { db throws in
            try db.execute(sql: "CREATE TABLE workers (pool TEXT, name TEXT, paused BOOLEAN, PRIMARY KEY (pool, name))")
        }
        let error = #expect(throws: SchedulerStoreError.self) { try SchedulerStore(stateDirectory: temp.path) }
        #expect(error?.code == .incompatibleSchema)
        #expect(error?.message.contains("workers") == true)

        try TemporaryDirectory.inspect(temp.file("keyed.db")) { db throws in
            try db.execute(sql: "CREATE TABLE cached (pool TEXT, cache_hint TEXT, worker TEXT, created DATETIME)")
        }
        let keyError = #expect(throws: SchedulerStoreError.self) { try SchedulerStore(path: temp.file("keyed.db")) }
        #expect(keyError?.code == .incompatibleSchema)
    }

    /// The state directory is created without its parents, and must be a directory; the database path must be
    /// a file.
    @Test func badPathsAreErrors() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let missingParent = #expect(throws: SchedulerStoreError.self) {
            try SchedulerStore(stateDirectory: temp.file("no/such/dir"))
        }
        #expect(missingParent?.code == .cannotCreateDirectory)
        #expect(FileManager.default.createFile(atPath: temp.file("file"), contents: Data()))
        let notADirectory = #expect(throws: SchedulerStoreError.self) {
            try SchedulerStore(stateDirectory: temp.file("file"))
        }
        #expect(notADirectory?.code == .cannotCreateDirectory)
        try FileManager.default.createDirectory(atPath: temp.file("dir"), withIntermediateDirectories: false)
        let directory = #expect(throws: SchedulerStoreError.self) { try SchedulerStore(path: temp.file("dir")) }
        #expect(directory?.code == .cannotOpen)
    }
}

extension SchedulerStoreDurabilityTests {
    /// What the threads of the concurrent-readers test saw.
    private final class ConcurrencyLog: Sendable {
        private struct State {
            var problems: [String] = []
            var counts = Set<Int>()
            var writerDone = false
        }

        private let state = Mutex(State())

        func problem(_ text: String) { state.withLock { $0.problems.append(text) } }
        func observed(_ count: Int) { _ = state.withLock { $0.counts.insert(count) } }
        func writerDone() { state.withLock { $0.writerDone = true } }
        var isWriterDone: Bool { state.withLock { $0.writerDone } }
        var problems: [String] { state.withLock { $0.problems } }

        /// How many distinct partial worker counts (strictly between 0 and `total`) readers observed.
        func intermediateStates(below total: Int) -> Int {
            state.withLock { $0.counts.filter { $0 > 0 && $0 < total }.count }
        }
    }
}
