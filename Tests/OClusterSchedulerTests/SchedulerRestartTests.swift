// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

@testable import OClusterScheduler

/// The built `ocluster-scheduler` and `ocluster-admin` next to this test bundle (any `.build*` folder).
enum BuiltTools {
    static func path(_ name: String) -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    static var available: Bool { path("ocluster-scheduler") != nil && path("ocluster-admin") != nil }
}

/// A process started by a test.
final class ChildProcess {
    let process = Process()
    let output = Pipe()

    /// Starts `executable`; its standard error goes with its output, or nowhere with `dropErrors`.
    init(_ executable: String, _ arguments: [String], dropErrors: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = dropErrors ? FileHandle.nullDevice : output
        try process.run()
    }

    /// Runs to completion and returns (status, combined output), or only standard output with
    /// `dropErrors` (where `ocluster-admin` says on stderr that it is connecting).
    static func run(_ executable: String, _ arguments: [String], dropErrors: Bool = false) throws -> (Int32, String) {
        let child = try ChildProcess(executable, arguments, dropErrors: dropErrors)
        let data = child.output.fileHandleForReading.readDataToEndOfFile()
        child.process.waitUntilExit()
        return (child.process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite(.serialized, .requires("the built ocluster-scheduler and ocluster-admin", BuiltTools.available))
struct SchedulerRestartTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-restart-\(UUID().uuidString)")
        .path
    /// The same address on both runs, so that the client's `.cap` written before the restart still works.
    /// Below the kernel's ephemeral range (32768 and up), so no outgoing connection can hold it.
    let port = Int.random(in: 10000..<20000)

    func startScheduler(_ extra: [String] = []) async throws -> ChildProcess {
        let admin = root + "/secrets/admin.cap"
        for name in ["admin.cap", "pool-linux.cap", "pool-macos.cap"] {
            try? FileManager.default.removeItem(atPath: root + "/secrets/" + name)
        }
        let scheduler = try ChildProcess(
            BuiltTools.path("ocluster-scheduler")!,
            [
                "--capnp-secret-key-file", root + "/secrets/key.pem", "--capnp-listen-address", "tcp:127.0.0.1:\(port)",
                "--secrets-dir", root + "/secrets", "--state-dir", root + "/state", "--pools", "linux,macos",
            ] + extra
        )
        _ = await eventually { FileManager.default.fileExists(atPath: root + "/secrets/pool-macos.cap") }
        #expect(FileManager.default.fileExists(atPath: admin))
        return scheduler
    }

    func admin(_ arguments: [String]) throws -> (Int32, String) {
        try ChildProcess.run(
            BuiltTools.path("ocluster-admin")!,
            [root + "/secrets/admin.cap"] + arguments,
            dropErrors: true
        )
    }

    @Test(.timeLimit(.minutes(2)))
    func stateSurvivesSIGKILL() async throws {
        try FileManager.default.createDirectory(atPath: root + "/secrets", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var scheduler = try await startScheduler()
        #expect(try admin(["pause", "--auto-create", "linux", "worker-1"]) == (0, "Success.\n"))
        let (status, uri) = try admin(["add-client", "alice"])
        #expect(status == 0 && uri.hasPrefix("capnp://sha-256:"))
        try Data(uri.utf8).write(to: URL(fileURLWithPath: root + "/secrets/alice.cap"))
        #expect(try admin(["set-rate", "linux", "alice", "3"]).0 == 0)
        kill(scheduler.process.processIdentifier, SIGKILL)
        scheduler.process.waitUntilExit()

        scheduler = try await startScheduler()
        #expect(try admin(["show"]) == (0, "linux\nmacos\n"))
        #expect(try admin(["show", "linux", "worker-1"]) == (0, "worker-1: Paused\n"))
        #expect(try admin(["list-clients"]) == (0, "alice\n"))
        let show = try admin(["show", "linux"]).1
        #expect(show.contains("disconnected:\n  worker-1 (paused)"))
        // A submission cap cannot administer, even over the network.
        let (refused, message) = try ChildProcess.run(
            BuiltTools.path("ocluster-admin")!,
            ["-c", root + "/secrets/alice.cap", "list-clients"]
        )
        #expect(refused == 1 && message.contains("Unimplemented"), "\(message)")
        // The database is sound and holds the rate (read while the scheduler runs, as WAL allows).
        let store = try SchedulerStore(path: root + "/state/scheduler.db")
        #expect(try store.integrityCheck() == ["ok"])
        #expect(try store.rate(client: "alice", pool: "linux") == 3)
        try store.close()
        // SIGTERM shuts down gracefully.
        scheduler.process.terminate()
        scheduler.process.waitUntilExit()
        #expect(scheduler.process.terminationStatus == 0)
    }

    /// Jobs queued when the scheduler is killed are kept by the next one, held until their clients reattach
    /// (`ocluster-client` does, through the ticket it saved); a job nobody reattaches to is cancelled after
    /// `--reattach-timeout`, having never run.
    @Test(.timeLimit(.minutes(2)))
    func queuedJobsSurviveSIGKILL() async throws {
        try FileManager.default.createDirectory(atPath: root + "/secrets", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clientTool = try #require(BuiltTools.path("ocluster-client"))
        var scheduler = try await startScheduler()
        let (status, uri) = try admin(["add-client", "alice"])
        #expect(status == 0)
        let cap = root + "/secrets/alice.cap"
        try Data(uri.utf8).write(to: URL(fileURLWithPath: cap))
        let spec = root + "/spec"
        try Data("((from busybox) (run (shell true)))".utf8).write(to: URL(fileURLWithPath: spec))
        var clients: [ChildProcess] = []
        defer { for client in clients { client.process.terminate() } }
        for hint in ["hint-1", "hint-2", "hint-3"] {
            clients.append(
                try ChildProcess(
                    clientTool,
                    ["submit-obuilder", "-c", cap, "--pool", "linux", "--cache-hint", hint, "--local-file", spec],
                    dropErrors: true
                )
            )
            // One at a time, for a known order.
            try await waitUntil("the restored job in show") { try admin(["show", "linux"]).1.contains(hint) }
        }
        let before = DurableQueueTests.queue(try admin(["show", "linux"]).1)
        #expect(before.contains("alice:hint-1") && before.contains("alice:hint-3"), "\(before)")
        kill(scheduler.process.processIdentifier, SIGKILL)
        scheduler.process.waitUntilExit()

        let kept = try SchedulerStore(path: root + "/state/scheduler.db")
        let keptIDs = try kept.queuedJobs().map(\.id)
        try kept.close()
        #expect(keptIDs.count == 3)

        // hint-2's client goes too. The others, which saved their tickets, reattach to the restarted
        // scheduler: their jobs are queued at their old places. hint-2's stays held (never run) until
        // the reattach timeout cancels it and removes its row.
        clients[1].process.terminate()
        clients[1].process.waitUntilExit()
        scheduler = try await startScheduler(["--reattach-timeout", "5"])
        let expected = before.replacingOccurrences(of: "alice:hint-2 ", with: "")
        try await waitUntil("the reattached jobs in order") {
            DurableQueueTests.queue(try admin(["show", "linux"]).1) == expected
        }
        let store = try SchedulerStore(path: root + "/state/scheduler.db")
        try await waitUntil("the unclaimed row removed") {
            try store.queuedJobs().map(\.id) == [keptIDs[0], keptIDs[2]]
        }
        try store.close()
        #expect(DurableQueueTests.queue(try admin(["show", "linux"]).1) == expected)
        #expect(clients[0].process.isRunning && clients[2].process.isRunning)
        scheduler.process.terminate()
        scheduler.process.waitUntilExit()
        #expect(scheduler.process.terminationStatus == 0)
    }
}
