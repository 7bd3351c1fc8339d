// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import Testing

/// Runs the reference `capnp` tool on `schema/ocluster.capnp`.
enum CapnpTool {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The repository root: this file is `Tests/OClusterAPITests/CapnpTool.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let schema = root.appendingPathComponent("schema/ocluster.capnp").path

    /// Runs `capnp` with `arguments`, feeding `input` on stdin; returns stdout, failing on a
    /// non-zero exit status.
    static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("capnp-ocluster-\(UUID().uuidString)")
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
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["capnp"] + arguments
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

    /// `capnp encode` of a text value into a framed (or packed) message.
    static func encode(_ text: String, type: String, packed: Bool = false) throws -> [UInt8] {
        try run(["encode"] + (packed ? ["--packed"] : []) + [schema, type], input: Array(text.utf8))
    }

    /// `capnp decode` of a framed (or packed) message, as text.
    static func decode(_ message: [UInt8], type: String, packed: Bool = false) throws -> String {
        let output = try run(["decode"] + (packed ? ["--packed"] : []) + [schema, type], input: message)
        return String(decoding: output, as: UTF8.self)
    }

    /// Serializes `message` (packed or not) and returns how `capnp decode` prints it.
    static func decode(_ message: MessageBuilder, type: String, packed: Bool = false) throws -> String {
        try decode(packed ? message.serializePacked() : message.serialize(), type: type, packed: packed)
    }

    /// Reads a message `capnp encode` produced.
    static func read(_ bytes: [UInt8], packed: Bool = false) throws -> MessageReader {
        packed ? try Packing.decode(bytes) : try Framing.decode(bytes)
    }
}
