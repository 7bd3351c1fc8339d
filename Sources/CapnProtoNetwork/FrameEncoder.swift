// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import NIOCore

/// Writes frames (already serialized, segment table included) to the byte stream.
struct FrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = [UInt8]

    func encode(data: [UInt8], out: inout ByteBuffer) {
        out.writeBytes(data)
    }
}
