// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Crypto

/// Incremental SHA-256 with a lowercase hex result, for snapshot ids and content hashes.
struct SHA256Hasher {
    private var hasher = Crypto.SHA256()

    init() {}

    mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }

    mutating func update(_ text: String) { update(Array(text.utf8)) }

    /// The digest of everything added, as 64 hex digits.
    mutating func finalizeHex() -> String {
        hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The hex digest of `text`.
    static func hex(_ text: String) -> String {
        var hasher = SHA256Hasher()
        hasher.update(text)
        return hasher.finalizeHex()
    }
}
