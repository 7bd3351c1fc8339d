// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoTestSupport
import Foundation
import Testing

/// The reference `capnp` tool on the test schema in `Fixtures/raw.capnp`.
enum CapnpTool {
    static var isAvailable: Bool { CapnpCommand.isAvailable }

    /// The fixtures folder copied into the test bundle.
    static var fixtures: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        }
    }

    static var command: CapnpCommand {
        get throws { CapnpCommand(schema: try fixtures.appendingPathComponent("raw.capnp").path) }
    }

    /// `capnp decode` of a framed (or packed) message, as text.
    static func decode(_ message: [UInt8], type: String = "Raw", packed: Bool = false) throws -> String {
        try command.decode(message, type: type, packed: packed)
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
        try command.encode(text, type: type, packed: packed, segmentSize: segmentSize)
    }
}
