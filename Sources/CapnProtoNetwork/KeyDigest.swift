// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Crypto

/// The SHA-256 digest of a vat's public key, which names the vat in sturdy refs.
///
/// capnp-rpc hashes the DER `SubjectPublicKeyInfo` of the key (not the certificate), and writes
/// the 32 bytes as URL-safe base64 without padding: always 43 characters. A client pins the
/// server it dials by this digest instead of trusting any certificate authority.
public struct KeyDigest: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// Wraps 32 digest bytes.
    ///
    /// - Throws: ``NetworkErrorCode/invalidSturdyRef`` when `bytes` is not 32 bytes long.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == SHA256.byteCount else {
            throw NetworkError(
                .invalidSturdyRef,
                "a sha-256 key digest is \(SHA256.byteCount) bytes, not \(bytes.count)"
            )
        }
        self.bytes = bytes
    }

    /// Parses the URL-safe, unpadded base64 form used in `capnp://sha-256:<digest>@…`.
    ///
    /// - Throws: ``NetworkErrorCode/invalidSturdyRef`` for bad base64 or a wrong length.
    public init(base64URL text: String) throws {
        guard let bytes = Base64.decodeURL(text) else {
            throw NetworkError(.invalidSturdyRef, "bad base64 digest \"\(text)\"")
        }
        try self.init(bytes: bytes)
    }

    /// Hashes a DER-encoded `SubjectPublicKeyInfo`.
    public init(subjectPublicKeyInfo der: some Collection<UInt8>) {
        self.bytes = Array(SHA256.hash(data: Array(der)))
    }

    /// The URL-safe, unpadded base64 form (43 characters).
    public var base64URL: String { Base64.encodeURL(bytes) }

    /// The form capnp-rpc logs (`sha-256@<digest>`); never parsed.
    public var description: String { "sha-256@\(base64URL)" }
}
