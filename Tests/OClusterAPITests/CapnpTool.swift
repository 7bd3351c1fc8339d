// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoTestSupport
import Foundation
import Testing

/// The reference `capnp` tool on `schema/ocluster.capnp`.
enum CapnpTool {
    static let schema = CapnpCommand.repositoryRoot.appendingPathComponent("schema/ocluster.capnp").path
    static let command = CapnpCommand(schema: schema)

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

    static func read(_ bytes: [UInt8], packed: Bool = false) throws -> MessageReader {
        try CapnpCommand.read(bytes, packed: packed)
    }
}
