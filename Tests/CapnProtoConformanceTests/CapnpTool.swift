// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoTestSupport
import Foundation
import Testing

/// The reference `capnp` tool on `schema/test/test.capnp` and its text fixtures.
enum CapnpTool {
    static let root = CapnpCommand.repositoryRoot
    static let schema = root.appendingPathComponent("schema/test/test.capnp").path
    static let command = CapnpCommand(schema: schema)

    /// The text of `schema/test/NAME.txt`.
    static func fixtureText(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("schema/test/\(name).txt"), encoding: .utf8)
    }

    static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        try CapnpCommand.run(arguments, input: input)
    }

    static func encode(_ text: String, type: String, packed: Bool = false) throws -> [UInt8] {
        try command.encode(text, type: type, packed: packed)
    }

    static func decode(_ message: [UInt8], type: String, packed: Bool = false) throws -> String {
        try command.decode(message, type: type, packed: packed)
    }

    static func decode(_ message: MessageBuilder, type: String, packed: Bool = false) throws -> String {
        try command.decode(message, type: type, packed: packed)
    }

    /// The message `capnp encode` makes of fixture `name`.
    static func encodeFixture(_ name: String, type: String, packed: Bool = false) throws -> [UInt8] {
        try encode(try fixtureText(name), type: type, packed: packed)
    }

    /// How `capnp` itself prints fixture `name` once encoded: the text Swift output must match.
    static func canonicalText(_ name: String, type: String) throws -> String {
        try decode(try encodeFixture(name, type: type), type: type)
    }

    static func read(_ bytes: [UInt8], packed: Bool = false) throws -> MessageReader {
        try CapnpCommand.read(bytes, packed: packed)
    }
}

/// Float comparison where NaN equals NaN (the fixtures hold NaNs).
func sameFloats<F: BinaryFloatingPoint>(_ lhs: some Collection<F>, _ rhs: [F]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
}

extension CapnpTool {
    /// Base names of the fixtures in `schema/test/` starting with `prefix`, sorted.
    static func fixtureNames(prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("schema/test").path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".txt") }
            .map { String($0.dropLast(4)) }
            .sorted()
    }
}
