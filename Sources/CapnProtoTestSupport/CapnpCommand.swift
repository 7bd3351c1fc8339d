// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation

/// The reference `capnp` tool (C++ capnp 0.9+) run on one schema: what conformance tests check
/// Swift output against.
public struct CapnpCommand: Sendable {
    /// `capnp` failed or is not installed.
    public typealias Failure = CodedError<FailureCode>

    /// A kind of ``Failure``.
    public enum FailureCode: ErrorCode {
        /// `capnp` is not on the `PATH`.
        case notInstalled
        /// `capnp` ran and failed.
        case failed
    }

    /// Where `capnp` lives, if it is on the `PATH`.
    public static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("capnp")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Whether `capnp` is installed.
    public static var isAvailable: Bool { executable != nil }

    /// The repository root: this file is `Sources/CapnProtoTestSupport/CapnpCommand.swift`.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The schema file the `encode` and `decode` commands use.
    public let schema: String

    public init(schema: String) { self.schema = schema }

    /// Runs `capnp` with `arguments`, feeding `input` on stdin; returns stdout, failing on a
    /// non-zero exit status. Files, not pipes, so a large output cannot deadlock the test.
    public static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        guard let executable else { throw Failure(.notInstalled, "capnp is not installed") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("capnp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inURL = scratch.appendingPathComponent("in")
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        try Data(input).write(to: inURL)
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let stdin = try FileHandle(forReadingFrom: inURL)
        let stdout = try FileHandle(forWritingTo: outURL)
        let stderr = try FileHandle(forWritingTo: errURL)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw Failure(.failed, "capnp \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return [UInt8](try Data(contentsOf: outURL))
    }

    /// `capnp encode` of a text value of `type` into a framed (or packed) message.
    public func encode(
        _ text: String,
        type: String,
        packed: Bool = false,
        segmentSize: Int? = nil
    ) throws
        -> [UInt8]
    {
        var flags = packed ? ["--packed"] : []
        if let segmentSize { flags.append("--segment-size=\(segmentSize)") }
        return try Self.run(["encode"] + flags + [schema, type], input: Array(text.utf8))
    }

    /// `capnp decode` of a framed (or packed) message of `type`, as text.
    public func decode(_ message: [UInt8], type: String, packed: Bool = false) throws -> String {
        let output = try Self.run(["decode"] + (packed ? ["--packed"] : []) + [schema, type], input: message)
        return String(decoding: output, as: UTF8.self)
    }

    /// Serializes `message` (packed or not) and returns how `capnp decode` prints it.
    public func decode(_ message: MessageBuilder, type: String, packed: Bool = false) throws -> String {
        try decode(packed ? message.serializePacked() : message.serialize(), type: type, packed: packed)
    }

    /// Reads a message `capnp encode` produced.
    public static func read(_ bytes: [UInt8], packed: Bool = false) throws -> MessageReader {
        packed ? try Packing.decode(bytes) : try Framing.decode(bytes)
    }
}
