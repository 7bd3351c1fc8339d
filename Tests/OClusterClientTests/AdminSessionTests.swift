// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterClient
import Synchronization
import Testing

/// What each admin command prints, on which stream, and how it fails; the texts are those of
/// ocluster's `bin/admin.ml` for the same situations.
@Suite struct AdminSessionTests {
    let captured = CapturedOutput()

    func session(_ pools: [String: FakePool]) -> AdminSession {
        AdminSession(admin: FakeAdmin(pools: pools).client, output: captured.output)
    }

    static let mixed = [
        WorkerStatus(name: "w1", active: true, connected: true),
        WorkerStatus(name: "w2", active: false, connected: false),
        WorkerStatus(name: "w3", active: true, connected: false),
    ]

    @Test func showListsPoolsAndTrimsState() async throws {
        let session = session(["b": FakePool([]), "a": FakePool([])])
        try await session.show(pool: nil, worker: nil, terse: false)
        try await session.show(pool: "a", worker: nil, terse: false)
        try await session.show(pool: "a", worker: "w9", terse: false)
        try await session.show(pool: "a", worker: "w9", terse: true)
        #expect(captured.stdout == "a\nb\ncapacity: 0\nw9: Not found\nNot found\n")
        #expect(captured.stderr == "")
    }

    @Test func failedCallsNameTheirMethod() async throws {
        let session = session([:])
        let show = await #expect(throws: OClusterClientError.self) {
            try await session.show(pool: "nosuch", worker: nil, terse: false)
        }
        #expect(show?.message == "PoolAdmin.show: Failed: No such pool")
        let remove = await #expect(throws: OClusterClientError.self) { try await session.removeClient("bob") }
        #expect(remove?.message == "Admin.removeClient: Failed: Unknown client \"bob\"")
        let rate = await #expect(throws: OClusterClientError.self) {
            try await session.setRate(pool: "nosuch", client: "bob", rate: 1)
        }
        #expect(rate?.message == "PoolAdmin.setRate: Failed: No such pool")
        let add = await #expect(throws: OClusterClientError.self) { try await session.addClient("alice") }
        #expect(add?.message == "Failed: Client \"alice\" already registered!")
        #expect(captured.stdout == "" && captured.stderr == "")
    }

    @Test func noClientsGoesToStderr() async throws {
        try await session([:]).listClients()
        #expect(captured.stdout == "")
        #expect(captured.stderr == "No clients.\n")
    }

    @Test func pauseWithoutAWorkerListsCandidatesOnStderr() async throws {
        let error = await #expect(throws: OClusterClientError(.reported, "")) {
            try await session(["p": FakePool(Self.mixed)]).setActive(
                false,
                pool: "p",
                worker: nil,
                all: false,
                autoCreate: false,
                wait: false
            )
        }
        #expect(error?.message == "")
        #expect(
            captured.stderr == """
                Specify which worker you want to affect (or use --all).
                Candidates are:
                w1
                w2 (disconnected, paused)
                w3 (disconnected)

                """
        )
    }

    @Test func pauseAllSkipsThoseAlreadyPausedAndWaits() async throws {
        let pool = FakePool(Self.mixed)
        try await session(["p": pool]).setActive(
            false,
            pool: "p",
            worker: nil,
            all: true,
            autoCreate: false,
            wait: true
        )
        let lines = captured.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines.prefix(4) == [
                "(worker \"w2\" is already done)", "Updating w1,", "w3…", "Waiting for jobs to finish…",
            ]
        )
        #expect(Set(lines.dropFirst(4).dropLast(2)) == ["w1: Waiting for 0 jobs", "w3: Waiting for 0 jobs"])
        #expect(lines.suffix(2) == ["Success.", ""])
        #expect(pool.roster.withLock { $0.allSatisfy { !$0.active } })
    }

    @Test func unknownWorkerFailsWithTheMethod() async throws {
        let error = await #expect(throws: OClusterClientError.self) {
            try await session(["p": FakePool([])]).setActive(
                false,
                pool: "p",
                worker: "w9",
                all: false,
                autoCreate: false,
                wait: false
            )
        }
        #expect(error?.message == "PoolAdmin.setActive: Failed: Unknown worker")
    }

    @Test func nothingToDoWhenThePoolIsEmpty() async throws {
        try await session(["p": FakePool([])]).setActive(
            true,
            pool: "p",
            worker: nil,
            all: true,
            autoCreate: false,
            wait: false
        )
        #expect(captured.stdout == "No workers connected to pool (nothing to do).\n")
    }

    @Test func updateRestartsTheCanaryThenTheOthers() async throws {
        let workers = Self.mixed + [WorkerStatus(name: "w4", active: true, connected: true)]
        try await session(["p": FakePool(workers)]).update(pool: "p", worker: nil)
        let lines = captured.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.prefix(3) == [
                "Testing update on first worker in pool: \"w1\"", "w1: Restarting",
                "Canary updated OK. Updating the others: [w4]",
            ]
        )
        #expect(Set(lines.dropFirst(3).prefix(2)) == ["w4: Restarting", "\"w4\" restarted OK."])
        #expect(
            lines.dropFirst(5) == [
                "All pool workers restarted.", "WARNING: disconnected workers not updated:", "  w2", "  w3",
            ]
        )
    }

    @Test func failedUpdatesArePrintedOnStdout() async throws {
        let single = await #expect(throws: OClusterClientError(.reported, "")) {
            try await session(["p": FakePool(Self.mixed, failingUpdates: ["w1"])]).update(pool: "p", worker: "w1")
        }
        #expect(single != nil)
        #expect(captured.stdout == "Failed: Worker \"w1\" did not restart\n")
        let others = [
            WorkerStatus(name: "a", active: true, connected: true),
            WorkerStatus(name: "b", active: true, connected: true),
        ]
        let failure = await #expect(throws: OClusterClientError.self) {
            try await session(["p": FakePool(others, failingUpdates: ["b"])]).update(pool: "p", worker: nil)
        }
        #expect(failure?.message == "Failed update(s)")
        #expect(captured.stdout.hasSuffix("\"b\": Failed: Worker \"b\" did not restart\n"))
    }

    @Test func updateWithoutConnectedWorkersFails() async throws {
        let error = await #expect(throws: OClusterClientError.self) {
            try await session(["p": FakePool([WorkerStatus(name: "w", active: true, connected: false)])])
                .update(pool: "p", worker: nil)
        }
        #expect(error?.message == "No workers connected to pool!")
    }

    @Test func forgetPrefersDisconnectedCandidatesAndPrintsFailuresOnStdout() async throws {
        let session = session(["p": FakePool(Self.mixed), "empty": FakePool([])])
        _ = await #expect(throws: OClusterClientError(.reported, "")) {
            try await session.forget(pool: "p", worker: nil)
        }
        #expect(
            captured.stderr
                == "Specify which worker you want to forget.\nCandidates are:\nw2 (disconnected, paused)\nw3 (disconnected)\n"
        )
        _ = await #expect(throws: OClusterClientError(.reported, "")) {
            try await session.forget(pool: "p", worker: "w9")
        }
        #expect(captured.stdout == "Failed: Worker \"w9\" not known in this pool\n")
        let empty = await #expect(throws: OClusterClientError.self) {
            try await session.forget(pool: "empty", worker: nil)
        }
        #expect(empty?.message == "No workers in pool!")
        try await session.forget(pool: "p", worker: "w2")
    }

    @Test func execReportsExitCodesAndSignalsAsOCamlDoes() async throws {
        let session = session(["p": FakePool([WorkerStatus(name: "w1", active: true, connected: true)])])
        try await session.exec(pool: "p", command: ["test", "{}", "=", "w1"])
        let missing = await #expect(throws: OClusterClientError.self) {
            try await session.exec(pool: "p", command: ["/nonexistent/command"])
        }
        #expect(missing?.message == "Sub-process failed with exit code 127")
        let failed = await #expect(throws: OClusterClientError.self) {
            try await session.exec(pool: "p", command: ["false"])
        }
        #expect(failed?.message == "Sub-process failed with exit code 1")
        let killed = await #expect(throws: OClusterClientError.self) {
            try await session.exec(pool: "p", command: ["sh", "-c", "kill -9 $$"])
        }
        #expect(killed?.message == "Sub-process failed with signal -7")
        #expect(captured.stdout == "" && captured.stderr == "")
    }
}
