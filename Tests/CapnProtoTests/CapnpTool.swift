// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// Runs the reference `capnp` tool (C++ capnp 0.9+) on the test schema in `Fixtures/raw.capnp`.
enum CapnpTool {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Where `capnp` lives, if it is installed.
    static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("capnp")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    static var isAvailable: Bool { executable != nil }

    /// The fixtures folder copied into the test bundle.
    static var fixtures: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        }
    }

    static var schema: String {
        get throws { try fixtures.appendingPathComponent("raw.capnp").path }
    }

    /// Runs `capnp` with `arguments`, feeding `input` on stdin; returns stdout, failing on a
    /// non-zero exit status.
    static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let executable = try #require(executable, "capnp is not installed")
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("capnp-\(UUID().uuidString)")
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
            throw Failure(description: "capnp \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return [UInt8](try Data(contentsOf: outURL))
    }

    /// `capnp decode` of a framed (or packed) message, as text.
    static func decode(_ message: [UInt8], type: String = "Raw", packed: Bool = false) throws -> String {
        let flags = packed ? ["--packed"] : []
        let output = try run(["decode"] + flags + [try schema, type], input: message)
        return String(decoding: output, as: UTF8.self)
    }

    /// `capnp encode` of a text value into a framed (or packed) message.
    static func encode(
        _ text: String,
        type: String = "Raw",
        packed: Bool = false,
        segmentSize: Int? = nil
    ) throws
        -> [UInt8]
    {
        var flags = packed ? ["--packed"] : []
        if let segmentSize { flags.append("--segment-size=\(segmentSize)") }
        return try run(["encode"] + flags + [try schema, type], input: Array(text.utf8))
    }
}
