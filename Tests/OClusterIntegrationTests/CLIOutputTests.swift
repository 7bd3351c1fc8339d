// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

extension EndToEndTests {
    /// Our `ocluster-admin` and `ocluster-client` print what ocluster's print, byte for byte, for
    /// every case in `Fixtures/cli-cases.json`: usage errors, bad cap files, every admin command and
    /// its failures, submits refused before and after connecting, and jobs that succeed and fail.
    ///
    /// The expected stdout, stderr and exit status of each case are the OCaml CLIs' own, recorded by
    /// `scripts/compare-cli-output.sh OCAML_BIN_DIR --record` against ocluster's scheduler. Here the
    /// cases run in the same order against our scheduler and one worker, set up the same way.
    ///
    /// Nested in ``EndToEndTests`` so that it runs after them rather than beside them: one cluster at a
    /// time keeps the machine's other tests within their time limits.
    @Suite struct CLIOutputTests {
        struct Fixture: Decodable {
            var files: [String: String]
            var cases: [Case]
        }

        struct Case: Decodable, CustomTestStringConvertible {
            var name: String
            var tool: String
            var arguments: [String]
            var worker: Bool
            var stdout: String
            var stderr: String
            var status: Int32
            var testDescription: String { name }
        }

        /// Where our scheduler's reply differs from ocluster's (both CLIs print a reply the same way):
        /// per case, ocluster's words and ours. Differences in what the CLIs print have no place here.
        static let schedulerReplies: [String: (ocluster: String, ours: String)] = [
            // ocluster's pool asserts that a rate is positive; its client sees the assertion's generic error.
            "set-rate-zero": ("Internal error from PoolAdmin.setRate", "Rate must be a positive number"),
            // capnp-rpc words an unknown interface itself (in decimal, OCaml's `UL` suffix); so does our RPC layer.
            "cap-file-wrong-interface": (
                "Unknown interface 15947795302981486253UL",
                "method 0 of interface 0xdd51f35540dac6ad is not implemented"
            ),
            "client-admin-cap": (
                "Unknown interface 17647539207975631938UL",
                "method 0 of interface 0xf4e8a768b32a7c42 is not implemented"
            ),
        ]

        static func fixture() throws -> Fixture {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/cli-cases", withExtension: "json"))
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        }

        @Test func outputMatchesOCluster() async throws {
            let fixture = try Self.fixture()
            let cluster = try await CLICluster.start(files: fixture.files)
            defer { cluster.stop() }
            for testCase in fixture.cases {
                let tool = testCase.tool == "admin" ? "ocluster-admin" : "ocluster-client"
                let result = try await cluster.run(tool, testCase.arguments)
                #expect(result.status == testCase.status, "\(testCase.name): exit status")
                #expect(result.stdout == testCase.stdout, "\(testCase.name): stdout")
                let reply = Self.schedulerReplies[testCase.name]
                let stderr = reply.map { testCase.stderr.replacingOccurrences(of: $0.ocluster, with: $0.ours) }
                #expect(result.stderr == stderr ?? testCase.stderr, "\(testCase.name): stderr")
            }
        }
    }
}

/// The fixture's cluster: a scheduler with pools `linux-x86_64` and `other` and client `alice`,
/// and worker `w1` in `linux-x86_64`, in one directory the commands run in.
///
/// Everything that waits awaits (process exits, polls), so the test holds no thread of the
/// cooperative pool while the cluster works.
final class CLICluster: @unchecked Sendable {
    // @unchecked Sendable: used by one test at a time; `processes` is only appended to while starting.
    let directory: URL
    let port: Int
    private var processes: [Process] = []

    private init(files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocluster-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("secrets"),
            withIntermediateDirectories: true
        )
        for (name, contents) in files {
            try contents.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        port = Int.random(in: 20000..<32000)
    }

    /// Starts the scheduler, writes the derived cap files, and starts the worker.
    static func start(files: [String: String]) async throws -> CLICluster {
        let cluster = try CLICluster(files: files)
        do {
            try await cluster.startProcesses()
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private func startProcesses() async throws {
        try start(
            "ocluster-scheduler",
            [
                "--capnp-secret-key-file", "secrets/key.pem", "--capnp-listen-address", "tcp:127.0.0.1:\(port)",
                "--secrets-dir", "secrets", "--state-dir", "state", "--pools", "linux-x86_64,other",
                "--default-clients", "alice",
            ],
            log: "scheduler.log"
        )
        try await waitFor("the scheduler's cap files") {
            ["admin.cap", "pool-other.cap", "submit-alice.cap"].allSatisfy {
                FileManager.default.fileExists(atPath: self.path("secrets/\($0)"))
            }
        }
        let admin = try String(contentsOfFile: path("secrets/admin.cap"), encoding: .utf8)
        // Port 1: nothing listens there, and it is the one the recording used.
        let closed = 1
        try admin.replacingOccurrences(of: ":\(port)/", with: ":\(closed)/")
            .write(toFile: path("refused.cap"), atomically: true, encoding: .utf8)
        let service = try #require(admin.split(separator: "/").last)
        try admin.replacingOccurrences(of: service, with: String(repeating: "A", count: 43) + "\n")
            .write(toFile: path("wrongid.cap"), atomically: true, encoding: .utf8)
        try await ClusterHarness.makeBaseImage(into: directory.appendingPathComponent("images"))
        try start(
            "ocluster-worker",
            [
                "--connect", "secrets/pool-linux-x86_64.cap", "--name", "w1", "--capacity", "1",
                "--state-dir", path("worker-state"), "--obuilder-store", "overlayfs:\(path("obuilder"))",
                "--obuilder-base-images", path("images"),
            ],
            log: "worker.log"
        )
        try await waitFor("worker w1") {
            (try? await self.run("ocluster-admin", ["-c", "secrets/admin.cap", "show", "linux-x86_64", "w1"]))?.stdout
                == "w1: Running\n"
        }
    }

    func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    private func start(_ executable: String, _ arguments: [String], log: String) throws {
        let process = Process()
        process.executableURL = try ClusterHarness.executable(executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        _ = FileManager.default.createFile(atPath: path(log), contents: nil)
        let handle = try FileHandle(forWritingTo: directory.appendingPathComponent(log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
    }

    struct Output {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    /// Runs a CLI in the cluster's directory; outputs are normalised as the recording script
    /// normalises them (the port, a new client's URI, OBuilder's snapshot ids).
    func run(_ executable: String, _ arguments: [String]) async throws -> Output {
        let process = Process()
        process.executableURL = try ClusterHarness.executable(executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        // No contexts of the user's: ocluster has none, and `-c` must stay required here.
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = path("config")
        environment["OCLUSTER_CONTEXT"] = nil
        process.environment = environment
        let id = UUID().uuidString
        let files = ["out", "err"].map { path("\(id).\($0)") }
        for file in files { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: files[0]))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: files[1]))
        let exited = AsyncStream<Void> { continuation in
            process.terminationHandler = { _ in continuation.finish() }
        }
        try process.run()
        for await _ in exited {}
        defer { for file in files { try? FileManager.default.removeItem(atPath: file) } }
        let read = { (file: String) in
            self.normalise(String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self))
        }
        return Output(stdout: read(files[0]), stderr: read(files[1]), status: process.terminationStatus)
    }

    private func normalise(_ text: String) -> String {
        text.replacing(#/capnp://sha-256:[A-Za-z0-9_-]+@127\.0\.0\.1:\d+/[A-Za-z0-9_-]+/#) { _ in
            "capnp://sha-256:DIGEST@127.0.0.1:PORT/SERVICE"
        }
        .replacing(#/\b[0-9a-f]{64}\b/#) { _ in "HASH" }
        // The UTC time on OBuilder notes (ocluster's `YYYY-MM-DD HH:MM.SS `).
        .replacing(#/\d{4}-\d\d-\d\d \d\d:\d\d\.\d\d /#) { _ in "TIME " }
        .replacingOccurrences(of: "127.0.0.1:\(port)", with: "127.0.0.1:PORT")
    }

    private func waitFor(_ what: String, timeout: Double = 60, _ condition: () async throws -> Bool) async throws {
        try await waitUntil(what, timeout: .seconds(timeout), every: .milliseconds(200), condition)
    }

    func stop() {
        for process in processes.reversed() where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
