// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import Synchronization

/// The reference C++ RPC peer (`Tests/Interop/rpc-peer.cpp`, libcapnp's RpcSystem), run as a
/// child process for interoperability tests and benchmarks.
///
/// ``binary()`` builds it with `scripts/build-interop.sh` when `.build-cpp/interop/rpc-peer`
/// is missing, and throws (never skips) when that fails.
public enum CppPeer {
    /// Something went wrong building or running the peer.
    public typealias Failure = CodedError<FailureCode>

    /// The one kind of ``Failure``: the peer could not be built or run as expected.
    public enum FailureCode: ErrorCode {
        case peer
    }

    /// The repository's root directory (found from this source file's path).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // CapnProtoTestSupport
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()
    }

    private static let buildLock = Mutex(false)

    /// The peer binary: `$RPC_PEER` if set, else `.build-cpp/interop/rpc-peer`, built first if
    /// missing.
    public static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["RPC_PEER"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let root = repositoryRoot
        let binary = root.appendingPathComponent(".build-cpp/interop/rpc-peer")
        try buildLock.withLock { _ in
            if FileManager.default.isExecutableFile(atPath: binary.path) { return }
            let script = root.appendingPathComponent("scripts/build-interop.sh")
            let result = try run(URL(fileURLWithPath: "/bin/bash"), [script.path])
            guard result.status == 0, FileManager.default.isExecutableFile(atPath: binary.path) else {
                throw Failure(
                    "scripts/build-interop.sh failed (status \(result.status)); the C++ peer is needed: "
                        + result.standardError
                )
            }
        }
        return binary
    }

    /// What a finished process printed.
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs a program to completion, collecting its output.
    public static func run(_ executable: URL, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while the process runs, so neither fills up and blocks it.
        let errorData = Mutex(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
            errorsRead.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorsRead.wait()
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self)
        )
    }

    /// Runs `rpc-peer client <address> <scenario>` against a server (off the cooperative pool).
    public static func client(
        address: String,
        scenario: String,
        trace: Bool = false
    ) async throws -> Output {
        let binary = try binary()
        let arguments = (trace ? ["--trace"] : []) + ["client", address, scenario]
        return try await runDetached(binary, arguments)
    }

    /// Runs `rpc-peer bench <address> <seconds>` and returns its `metric value` lines; with
    /// `tlsDigest`, over TLS pinned to that key digest (base64url).
    public static func bench(
        address: String,
        seconds: Double,
        tlsDigest: String? = nil
    ) async throws -> [String: Double] {
        let tls = tlsDigest.map { ["--tls=\($0)"] } ?? []
        let output = try await runDetached(try binary(), tls + ["bench", address, String(seconds)])
        guard output.status == 0 else {
            throw Failure("rpc-peer bench failed (\(output.status)): \(output.standardError)")
        }
        var metrics: [String: Double] = [:]
        for line in output.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 3, let value = Double(fields[2]) { metrics[String(fields[1])] = value }
        }
        return metrics
    }

    private static func runDetached(_ binary: URL, _ arguments: [String]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try run(binary, arguments) })
            }.start()
        }
    }

    /// A running `rpc-peer serve` process; ``stop()`` ends it.
    public final class Server: Sendable {
        /// The port it listens on (127.0.0.1).
        public let port: Int
        private let process: Process.Sendable
        private let output: Pipe.Sendable

        /// With TLS, the digest (base64url) of the key the server presents.
        public let tlsDigest: String?

        /// `host:port` for `rpc-peer client` and the like.
        public var address: String { "127.0.0.1:\(port)" }

        /// Starts `rpc-peer serve` (over capnp-rpc's TLS with `tls`) and waits for its `PORT n`
        /// line, and its `DIGEST d` line with TLS.
        public init(trace: Bool = false, tls: Bool = false) async throws {
            let binary = try CppPeer.binary()
            let process = Process()
            process.executableURL = binary
            process.arguments = (trace ? ["--trace"] : []) + (tls ? ["--tls"] : []) + ["serve"]
            let output = Pipe()
            process.standardOutput = output
            // Its trace (if asked for) goes to the test's stderr; nothing else is printed there.
            process.standardError = trace ? FileHandle.standardError : FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let lines: [String] = await withCheckedContinuation { continuation in
                Thread {
                    var lines: [String] = []
                    for _ in 0..<(tls ? 2 : 1) {
                        var bytes: [UInt8] = []
                        while true {
                            let byte = output.fileHandleForReading.readData(ofLength: 1)
                            guard let first = byte.first, first != UInt8(ascii: "\n") else { break }
                            bytes.append(first)
                        }
                        lines.append(String(decoding: bytes, as: UTF8.self))
                    }
                    continuation.resume(returning: lines)
                }.start()
            }
            guard let line = lines.first, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
                kill(process.processIdentifier, SIGKILL)
                throw Failure("rpc-peer serve printed \"\(lines.first ?? "")\" instead of PORT <n>")
            }
            if tls {
                guard lines.count == 2, lines[1].hasPrefix("DIGEST ") else {
                    kill(process.processIdentifier, SIGKILL)
                    throw Failure("rpc-peer --tls serve printed no DIGEST line")
                }
                tlsDigest = String(lines[1].dropFirst(7))
            } else {
                tlsDigest = nil
            }
            self.port = port
            self.process = Process.Sendable(process)
            self.output = Pipe.Sendable(output)
        }

        /// Whether the process is still running.
        public var isRunning: Bool { process.value.isRunning }

        /// Ends the process (if it has not ended by itself) and waits for it.
        public func stop() {
            // SIGKILL: the child may inherit a signal mask that blocks SIGTERM.
            if process.value.isRunning { kill(process.value.processIdentifier, SIGKILL) }
            process.value.waitUntilExit()
        }

        deinit { stop() }
    }
}

extension Process {
    /// A process handle shared between tasks; Process is thread safe for what is used here.
    struct Sendable: @unchecked Swift.Sendable {
        let value: Process
        init(_ value: Process) { self.value = value }
    }
}

extension Pipe {
    /// A pipe kept open for a child's lifetime.
    struct Sendable: @unchecked Swift.Sendable {
        let value: Pipe
        init(_ value: Pipe) { self.value = value }
    }
}

extension CppPeer.Failure {
    /// A failure worded `message`.
    public init(_ message: String) { self.init(.peer, message) }
}
