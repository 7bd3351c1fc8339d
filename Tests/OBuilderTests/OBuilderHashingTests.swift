// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import OBuilder

/// The SHA-256 behind snapshot ids, against FIPS 180-4 vectors, fed whole and in pieces.
@Suite struct OBuilderHashingTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func matchesStandardVectors(_ vector: (String, String)) {
        #expect(SHA256Hasher.hex(vector.0) == vector.1)
    }

    @Test func hashesAMillionAsInPieces() {
        var hasher = SHA256Hasher()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for size in [1, 63, 64, 65, 807] { hasher.update(Array(piece.prefix(size))) }
        for _ in 0..<999 { hasher.update(piece) }
        // 1 + 63 + 64 + 65 + 807 = 1000, plus 999 × 1000: one million "a".
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
