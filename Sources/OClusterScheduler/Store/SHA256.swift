// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Crypto

/// SHA-256 as the store keys sturdy refs by it (ocluster stores the digest of a service id).
enum SHA256 {
    /// The 32-byte digest of `bytes`.
    static func digest(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: Array(bytes)))
    }
}
