// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

/// A cluster of real processes (scheduler, workers, clients, admin) in a temporary directory,
/// talking TLS over 127.0.0.1, for end-to-end tests.
final class ClusterHarness: @unchecked Sendable {
    // @unchecked Sendable: used from one test task at a time; the process table is locked.

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Where `swift build` put the executables (beside the test bundle).
    static let binaries: URL = {
        if let explicit = ProcessInfo.processInfo.environment["OCLUSTER_BIN_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }()

    /// The repository root (for scripts).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let directory: URL
    let port: Int
    let pool = "local"
    private let lock = NSLock()
    private var processes: [String: Process] = [:]

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocluster-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("secrets"),
            withIntermediateDirectories: true
        )
        // Below the kernel's ephemeral range (32768 and up), so no outgoing connection can hold it.
        port = Int.random(in: 20000..<32000)
        try await Self.makeBaseImage(into: directory.appendingPathComponent("images"))
    }

    deinit {
        stopAll()
        removeLeftoverBuilds()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Removes the containers and overlay mounts of builds whose worker was killed: restarting
    /// the worker does that, but a test that failed first would leave them running.
    private func removeLeftoverBuilds() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for entry in entries where entry.hasPrefix("worker-") {
            let root = path(entry + "/obuilder-sandbox/runc")
            for id in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
                _ = try? Self.runBlocking("/usr/bin/env", ["runc", "--root", root, "delete", "--force", id])
            }
        }
        let mountInfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let mountPoints = mountInfo.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4].hasPrefix(directory.path + "/") ? String(fields[4]) : nil
        }
        for mountPoint in mountPoints.sorted(by: { $0.count > $1.count }) {
            _ = umount2(mountPoint, Int32(MNT_DETACH))
        }
    }

    func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    static func executable(_ name: String) throws -> URL {
        let url = binaries.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Failure(
                description: "\(url.path) is missing: build the executables first (`swift build --build-tests`)"
            )
        }
        return url
    }

    static func makeBaseImage(into store: URL) async throws {
        let status = try await run(
            "/bin/bash",
            [root.appendingPathComponent("scripts/make-base-image.sh").path, store.path]
        )
        .status
        guard status == 0 else { throw Failure(description: "scripts/make-base-image.sh failed with status \(status)") }
    }

    // MARK: - Long-running processes

    /// Starts a named background process whose output goes to `NAME.log`, with `environment`
    /// added to the test's own. `executable` is one of ours, by name, or an absolute path.
    @discardableResult
    func start(
        _ name: String,
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL =
            executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : try Self.executable(executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = directory
        _ = FileManager.default.createFile(atPath: path("\(name).log"), contents: nil)
        let log = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).log"))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { processes[name] = process }
        return process
    }

    func log(_ name: String) -> String {
        (try? String(contentsOfFile: path("\(name).log"), encoding: .utf8)) ?? ""
    }

    func process(_ name: String) -> Process? { lock.withLock { processes[name] } }

    /// Sends `signal` to a process and waits for it to exit.
    func stop(_ name: String, signal: Int32 = SIGTERM) {
        guard let process = lock.withLock({ processes.removeValue(forKey: name) }) else { return }
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    func stopAll() {
        for name in lock.withLock({ Array(processes.keys) }) { stop(name, signal: SIGKILL) }
    }

    /// Starts the scheduler on ``port``, or on `port` given here (as a scheduler moved elsewhere), with
    /// `extraArguments` after the usual ones.
    func startScheduler(_ extraArguments: [String] = [], port: Int? = nil) async throws {
        let port = port ?? self.port
        try start(
            "scheduler",
            "ocluster-scheduler",
            [
                "--capnp-secret-key-file", path("secrets/key.pem"),
                "--capnp-listen-address", "tcp:127.0.0.1:\(port)",
                "--secrets-dir", path("secrets"),
                "--state-dir", path("state"),
                "--pools", pool,
                "--default-clients", "tester",
                "-v",
            ] + extraArguments
        )
        try await waitFor("scheduler to write its capability files", timeout: 60) {
            FileManager.default.fileExists(atPath: self.path("secrets/pool-\(self.pool).cap"))
                && FileManager.default.fileExists(atPath: self.path("secrets/submit-tester.cap"))
                && self.log("scheduler").contains("Serving on")
        }
    }

    func startWorker(
        _ name: String,
        capacity: Int = 1,
        store: String? = nil,
        extraArguments: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        try start(
            name,
            "ocluster-worker",
            [
                "--connect", path("secrets/pool-\(pool).cap"),
                "--name", name,
                "--capacity", "\(capacity)",
                "--state-dir", path("worker-\(name)"),
                "--obuilder-store", store ?? "overlayfs:\(path("obuilder-\(name)"))",
                "--obuilder-base-images", path("images"),
                // These tests may themselves run inside a container: update means restart here.
                "--self-update", "restart",
                "-v",
            ] + extraArguments,
            environment: environment
        )
    }

    /// Waits until the admin `show` lists `name` as registered.
    func waitForWorker(_ name: String, timeout: Double = 60) async throws {
        try await waitUntil("worker \(name) registers", timeout: .seconds(timeout), every: .milliseconds(200)) {
            ((try? await admin(["show", pool, name]))?.output ?? "").contains("\(name): Running")
        }
    }

    // MARK: - One-shot commands

    struct Output {
        var status: Int32
        /// Standard output, and standard error too unless it was asked for apart.
        var output: String
        /// Standard error, when ``run(_:_:directory:separateStandardError:)`` was asked to keep it apart.
        var standardError = ""
    }

    /// Runs a command to completion without holding a thread of the cooperative pool while it runs
    /// (a test that blocks one can starve every other test of the process): its output goes to a
    /// file, read once it has exited.
    static func run(
        _ executable: String,
        _ arguments: [String],
        directory: URL? = nil,
        separateStandardError: Bool = false
    ) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-output-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        let errorURL = outputURL.appendingPathExtension("stderr")
        defer { try? FileManager.default.removeItem(at: errorURL) }
        if separateStandardError {
            _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
            let errors = try FileHandle(forWritingTo: errorURL)
            process.standardError = errors
        }
        defer { try? (process.standardError as? FileHandle)?.close() }
        let status = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let data = try Data(contentsOf: outputURL)
        let errors = separateStandardError ? try Data(contentsOf: errorURL) : Data()
        return Output(
            status: status,
            output: String(decoding: data, as: UTF8.self),
            standardError: String(decoding: errors, as: UTF8.self)
        )
    }

    /// ``run(_:_:directory:separateStandardError:)`` for the few places that cannot wait asynchronously (set-up and
    /// clean-up of the harness itself), for commands that finish at once.
    static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    func admin(_ arguments: [String]) async throws -> Output {
        try await Self.run(try Self.executable("ocluster-admin").path, ["-c", path("secrets/admin.cap")] + arguments)
    }

    /// Submits an OBuilder spec and waits for the client to exit.
    func submit(spec: String, cacheHint: String = "", name: String = UUID().uuidString) async throws -> Output {
        let specPath = path("\(name).spec")
        try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        return try await Self.run(
            try Self.executable("ocluster-client").path,
            [
                "submit-obuilder", "-c", path("secrets/submit-tester.cap"), "--pool", pool, "--local-file", specPath,
                "--cache-hint", cacheHint,
            ]
        )
    }

    /// Starts a client in the background (for jobs that must be running while the test acts).
    func submitInBackground(_ name: String, spec: String, cacheHint: String = "") throws -> Process {
        let specPath = path("\(name).spec")
        try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        return try start(
            name,
            "ocluster-client",
            [
                "submit-obuilder", "-c", path("secrets/submit-tester.cap"), "--pool", pool, "--local-file", specPath,
                "--cache-hint", cacheHint,
            ]
        )
    }

    func waitFor(_ what: String, timeout: Double, _ condition: () throws -> Bool) async throws {
        try await waitUntil(what, timeout: .seconds(timeout), every: .milliseconds(200), condition)
    }
}

extension ClusterHarness {
    /// Keeps a worker running like systemd's `Restart=always`: when it exits (a rolling update
    /// asks it to), it is started again under the same name. Returns how to count restarts.
    func superviseWorker(_ name: String) throws -> WorkerSupervisor {
        let supervisor = WorkerSupervisor()
        try startWorker(name)
        // The thread holds the harness only between waits: holding it while blocked on the worker
        // kept the harness (whose deinit kills every process) alive, and the cluster outlived the test.
        let thread = Thread { [weak self] in
            while !supervisor.stopped {
                guard let process = self?.process(name) else { return }
                process.waitUntilExit()
                if supervisor.stopped { return }
                supervisor.recordRestart()
                try? self?.startWorker(name)
            }
        }
        thread.start()
        return supervisor
    }
}

/// Counts a supervised worker's restarts.
final class WorkerSupervisor: @unchecked Sendable {
    // @unchecked Sendable: all state is behind the lock.
    private let lock = NSLock()
    private var restartCount = 0
    private var isStopped = false

    var restarts: Int { lock.withLock { restartCount } }
    var stopped: Bool { lock.withLock { isStopped } }
    func recordRestart() { lock.withLock { restartCount += 1 } }
    func stop() { lock.withLock { isStopped = true } }
}
