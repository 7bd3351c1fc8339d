// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Foundation
import OClusterAPI
import TestSupport
import Testing

@testable import OClusterScheduler

/// Queued jobs are in `scheduler.db` before their `submit` answers, leave it once finished or cancelled, and
/// are queued again, in their order, by the next scheduler on the same state directory.
@Suite struct DurableQueueTests {
    static func descr(_ cacheHint: String) throws -> StoredJobDescr {
        let message = MessageBuilder()
        let descr = message.initRoot(JobDescr.Builder.self)
        descr.cacheHint = cacheHint
        return try StoredJobDescr(copying: try Framing.decode(message.serialize()).root(as: JobDescr.Reader.self))
    }

    /// A scheduler whose writes time out after 300 ms, its writer held until `released` is signalled.
    static func stuckWriter(
        in temp: TemporaryDirectory
    ) async throws -> (SchedulerStore, Scheduler, released: DispatchSemaphore) {
        let store = try SchedulerStore(stateDirectory: temp.file("state"))
        var configuration = Scheduler.Configuration()
        // Long enough for a write sent once the writer is free to commit on a loaded machine (0.3 s was not,
        // in CI); each test waits for it to run out once.
        configuration.databaseWriteTimeout = .seconds(2)
        let scheduler = try Scheduler(pools: ["pool"], store: store, configuration: configuration)
        let released = DispatchSemaphore(value: 0)
        await scheduler.writer.hold(until: released)
        return (store, scheduler, released)
    }

    /// Submits a job for alice; returns it and the queue write its `submit` would wait for.
    static func submit(_ hint: String, to scheduler: Scheduler) async throws -> (SchedulerItem, QueueWrites.Commit?) {
        let descr = try descr(hint)
        return try await scheduler.perform { (scheduler) throws(SchedulerError) in
            let item = try scheduler.core.submit(
                client: "alice",
                pool: "pool",
                descr: descr,
                cacheHint: hint,
                urgent: false
            )
            return (item, scheduler.core.queueCommit(for: item.jobID))
        }
    }

    /// The queue line of `show`, without the waiting times (which grow across a restart).
    static func queue(_ show: String) -> String {
        let line = show.split(separator: "\n").first { $0.contains("queue:") }.map(String.init) ?? ""
        return line.replacingOccurrences(of: #"@-?[0-9.]+[a-z]+"#, with: "", options: .regularExpression)
    }

    @Test func jobsAreQueuedAgainInOrderAfterARestart() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var store = try SchedulerStore(stateDirectory: temp.file("state"))
        var scheduler = try Scheduler(pools: ["pool"], store: store)
        var items: [SchedulerItem] = []
        for (client, hint) in [("alice", "a1"), ("bob", "b1"), ("alice", "a2"), ("bob", "b2"), ("carol", "c1")] {
            let descr = try Self.descr(hint)
            let (item, commit) = try await scheduler.perform { (scheduler) throws(SchedulerError) in
                let item = try scheduler.core.submit(
                    client: client,
                    pool: "pool",
                    descr: descr,
                    cacheHint: hint,
                    urgent: hint == "c1"
                )
                return (item, scheduler.core.queueCommit(for: item.jobID))
            }
            if let commit { try await commit.wait().get() }
            items.append(item)
        }
        #expect(try store.queuedJobs().map(\.cacheHint) == ["a1", "b1", "a2", "b2", "c1"])
        #expect(await scheduler.cancelQueued(items[3], reason: "test"))
        let before = Self.queue(try await scheduler.show(pool: "pool"))
        #expect(before.contains("a1") && !before.contains("b2"))
        await scheduler.flushAll()
        await scheduler.writer.barrier()
        #expect(try store.queuedJobs().map(\.cacheHint) == ["a1", "b1", "a2", "c1"])
        let stored = try store.queuedJobs()
        #expect(stored.last?.urgent == true && stored.first?.client == "alice")

        // As after kill -9: the old scheduler is dropped without a shutdown. The restored jobs are held (in no
        // queue a worker takes from) until their clients reattach; then they are queued in their old order.
        scheduler = try Scheduler(pools: ["pool"], store: store)
        #expect(Self.queue(try await scheduler.show(pool: "pool")) == "queue: (backlog) []")
        let reattached = await scheduler.perform { scheduler in
            stored.map { scheduler.core.reattach(jobID: $0.id, client: "mallory") == nil }
                + stored.map { scheduler.core.reattach(jobID: $0.id, client: $0.client) != nil }
                + stored.map { scheduler.core.reattach(jobID: $0.id, client: $0.client) == nil }
        }
        #expect(reattached == Array(repeating: true, count: 3 * stored.count))
        #expect(Self.queue(try await scheduler.show(pool: "pool")) == before)
        try store.close()
        store = try SchedulerStore(stateDirectory: temp.file("state"))
        #expect(try store.queuedJobs().count == 4)

        // No client reattaches: the restored jobs are cancelled after the timeout, and their rows go.
        var configuration = Scheduler.Configuration()
        configuration.reattachTimeout = .milliseconds(200)
        scheduler = try Scheduler(pools: ["pool"], store: store, configuration: configuration)
        let restarted = scheduler
        try await waitUntil("the restored jobs to be cancelled") {
            Self.queue(try await restarted.show(pool: "pool")) == "queue: (backlog) []"
        }
        try await waitUntil("the restored rows to be removed") { try store.queuedJobs().isEmpty }
        try store.close()
    }

    /// While the writer is stuck, a submission fails after the write timeout and its job is cancelled; once it
    /// is free, submissions are saved again.
    @Test func aSubmissionThatCannotBeSavedFails() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (store, scheduler, released) = try await Self.stuckWriter(in: temp)
        let submit = { @Sendable (hint: String) in try await Self.submit(hint, to: scheduler) }
        let (stuck, commit) = try await submit("stuck")
        let waited = try await scheduler.waitForQueueCommit(#require(commit))
        guard case .failure(let error) = waited else {
            Issue.record("the submission was saved while the writer was stuck")
            released.signal()
            return
        }
        #expect(error.code == .timeout)
        #expect(await scheduler.cancelQueued(stuck, reason: "not saved"))
        released.signal()

        let (saved, next) = try await submit("saved")
        if let next { try await next.wait().get() }
        try await waitUntil("the saved row") { try store.queuedJobs().map(\.cacheHint) == ["saved"] }
        #expect(saved.promise.current == nil)
        try store.close()
    }

    /// Submissions carried by one queue write share its timeout; a job submitted after that timed out, its
    /// write still unsent, waits for a write of its own and is saved once the writer is free.
    @Test func submissionsInOneWriteShareItsTimeout() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (store, scheduler, released) = try await Self.stuckWriter(in: temp)
        let submit = { @Sendable (hint: String) in try await Self.submit(hint, to: scheduler) }
        // The first write is sent (and held); the next two wait for the second, behind it.
        _ = try await submit("sent")
        let (_, first) = try await submit("first")
        let (_, second) = try await submit("second")
        let shared = try #require(first)
        #expect(second === shared)
        async let firstWaited = scheduler.waitForQueueCommit(shared)
        let secondWaited = await scheduler.waitForQueueCommit(try #require(second))
        for waited in [await firstWaited, secondWaited] {
            guard case .failure(let error) = waited else {
                Issue.record("a submission was saved while the writer was stuck")
                released.signal()
                return
            }
            #expect(error.code == .timeout)
        }
        let (_, late) = try await submit("late")
        let own = try #require(late)
        #expect(own !== shared)
        #expect(own.current == nil)
        released.signal()
        try await scheduler.waitForQueueCommit(own).get()
        try await waitUntil("the late row") { try store.queuedJobs().map(\.cacheHint).contains("late") }
        try store.close()
    }
}
