// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import GRDB
import TestSupport
import Testing

@testable import OClusterScheduler

/// Administrators' changes are acknowledged only once committed to `scheduler.db`, by the writer thread: a
/// failing or stuck write reaches the administrator as an error and leaves the scheduler as it was, while
/// the scheduler goes on answering.
@Suite struct DurableAdminTests {
    /// A scheduler over pool `pool` in a fresh state directory.
    final class Fixture {
        let temp: TemporaryDirectory
        let store: SchedulerStore
        let scheduler: Scheduler

        init(writeTimeout: Duration = .seconds(10)) throws {
            temp = try TemporaryDirectory()
            store = try SchedulerStore(stateDirectory: temp.file("state"))
            var configuration = Scheduler.Configuration()
            configuration.databaseWriteTimeout = writeTimeout
            scheduler = try Scheduler(pools: ["pool"], store: store, configuration: configuration)
        }

        deinit { temp.remove() }

        var databasePath: String { store.path }

        /// Whether `worker` is stored as paused (nil: not stored), as another connection sees the file.
        func storedPause(_ worker: String) throws -> Bool? {
            try TemporaryDirectory.inspect(databasePath) { db in
                try Bool.fetchOne(
                    db,
                    sql: "SELECT paused FROM workers WHERE pool = 'pool' AND id = ?",
                    arguments: [worker]
                )
            }
        }
    }

    /// A committed pause is in the database by the time the call returns, and in memory.
    @Test func aPauseIsCommittedBeforeItReturns() async throws {
        let fixture = try Fixture()
        try await fixture.scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: true)
        #expect(try fixture.storedPause("w1") == true)
        #expect(try await fixture.scheduler.show(pool: "pool").contains("w1 (paused)"))
        try await fixture.scheduler.setAdminActive(pool: "pool", worker: "w1", active: true, autoCreate: false)
        #expect(try fixture.storedPause("w1") == false)
        try await fixture.scheduler.forget(pool: "pool", worker: "w1")
        #expect(try fixture.storedPause("w1") == nil)
        #expect(try await !fixture.scheduler.show(pool: "pool").contains("w1"))
    }

    /// A write SQLite refuses (here a trigger raising, as a full disk or an I/O error would) reaches the
    /// caller with SQLite's message, and neither memory nor the file change; nor after a restart.
    @Test func aFailedWriteChangesNothing() async throws {
        let fixture = try Fixture()
        try await fixture.scheduler.setAdminActive(pool: "pool", worker: "w1", active: true, autoCreate: true)
        _ = try await fixture.scheduler.addClient("alice")
        try TemporaryDirectory.inspect(fixture.databasePath) { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER fail_pause BEFORE UPDATE ON workers BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;
                    CREATE TRIGGER fail_rate BEFORE INSERT ON pool_user_rate BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
                    """
            )
        }
        let pause = await #expect(throws: SchedulerError.self) {
            try await fixture.scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
        }
        #expect(pause?.code == .store)
        #expect(pause?.message.contains("disk I/O error") == true)
        #expect(try await !fixture.scheduler.show(pool: "pool").contains("paused"))
        #expect(try fixture.storedPause("w1") == false)

        let rate = await #expect(throws: SchedulerError.self) {
            try await fixture.scheduler.setRate(pool: "pool", client: "alice", rate: 3)
        }
        #expect(rate?.message.contains("database or disk is full") == true)
        #expect(await fixture.scheduler.perform { $0.core.pools["pool"]!.pool.rate(client: "alice") } == 1)

        // Once the disk is fine again, the same changes go through.
        try TemporaryDirectory.inspect(fixture.databasePath) { db in
            try db.execute(sql: "DROP TRIGGER fail_pause; DROP TRIGGER fail_rate")
        }
        try await fixture.scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
        try await fixture.scheduler.setRate(pool: "pool", client: "alice", rate: 3)
        #expect(try fixture.storedPause("w1") == true)
        #expect(try fixture.store.rate(client: "alice", pool: "pool") == 3)
    }

    /// While the writer thread is stuck (as in a write to a frozen disk), a pause times out with a clear error
    /// and changes nothing, while `show` is answered; the abandoned write is dropped once the thread is free.
    @Test func aStuckWriteTimesOutAndTheSchedulerKeepsAnswering() async throws {
        let fixture = try Fixture(writeTimeout: .milliseconds(300))
        let scheduler = fixture.scheduler
        try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: true, autoCreate: true)
        let released = DispatchSemaphore(value: 0)
        await scheduler.writer.hold(until: released)
        let pause = Task {
            try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
        }
        // The actor is free while the write waits (the writer stays stuck until released below).
        for _ in 0..<20 {
            let shown = try await scheduler.show(pool: "pool")
            #expect(shown.contains("w1") && !shown.contains("paused"))
        }
        let error = await #expect(throws: SchedulerError.self) { try await pause.value }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("did not complete within 0.3s") == true)
        #expect(try await !scheduler.show(pool: "pool").contains("paused"))

        released.signal()
        await scheduler.writer.barrier()
        #expect(try fixture.storedPause("w1") == false)
        #expect(try await !scheduler.show(pool: "pool").contains("paused"))
        try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
        #expect(try fixture.storedPause("w1") == true)
    }

    /// While another connection holds the write lock, a pause fails (timeout, or SQLite's busy error, whichever
    /// comes first) and its transaction is rolled back, not applied late.
    @Test func aLockedDatabaseFailsThePauseAndRollsItBack() async throws {
        let fixture = try Fixture(writeTimeout: .milliseconds(300))
        let scheduler = fixture.scheduler
        try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: true, autoCreate: true)
        let blocker = try LockHolder(path: fixture.databasePath)
        let error = await #expect(throws: SchedulerError.self) {
            try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
        }
        #expect(error?.code == .timeout || error?.message.contains("locked") == true)
        blocker.release()
        await scheduler.writer.barrier()
        #expect(try fixture.storedPause("w1") == false)
        #expect(try await !scheduler.show(pool: "pool").contains("paused"))
    }

    /// Client endpoints: added and removed once committed; a failed removal keeps the endpoint working.
    @Test func clientChangesAreCommittedFirst() async throws {
        let fixture = try Fixture()
        let serviceID = try await fixture.scheduler.addClient("alice")
        #expect(try fixture.store.client(forServiceID: serviceID) == "alice")
        try TemporaryDirectory.inspect(fixture.databasePath) { db in
            try db.execute(
                sql: "CREATE TRIGGER fail BEFORE DELETE ON sturdy_refs BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
            )
        }
        await #expect(throws: SchedulerError.self) { try await fixture.scheduler.removeClient("alice") }
        #expect(try await fixture.scheduler.listClients() == ["alice"])
        try TemporaryDirectory.inspect(fixture.databasePath) { db in try db.execute(sql: "DROP TRIGGER fail") }
        try await fixture.scheduler.removeClient("alice")
        #expect(try await fixture.scheduler.listClients().isEmpty)
    }
}

/// Another connection holding `scheduler.db`'s write lock (an immediate transaction, on a thread of its own)
/// until ``release()``.
final class LockHolder: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let held = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [released, done] in
            try? queue.inTransaction(.immediate) { _ in
                held.signal()
                released.wait()
                return .rollback
            }
            done.signal()
        }
        held.wait()
    }

    /// Ends the transaction and waits until it is over.
    func release() {
        released.signal()
        done.wait()
    }
}
