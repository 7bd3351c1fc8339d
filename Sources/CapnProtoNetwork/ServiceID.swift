// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Crypto

/// The name of a service inside a vat: the object ID a client bootstraps with.
///
/// The bytes are arbitrary binary (HMAC or random output), written in sturdy refs as URL-safe
/// base64 without padding. capnp-rpc's `Restorer.Id` makes them in three ways, mirrored here:
/// ``random()`` (20 random bytes, for client submission caps), ``derived(hashedSecret:name:)``
/// (HMAC-SHA256, for `admin` and `pool-*` caps that must survive restarts) and
/// ``init(public:)`` (the text itself).
public struct ServiceID: Sendable, Hashable, CustomStringConvertible {
    /// The raw ID bytes, as sent in a Bootstrap's `deprecatedObjectId`.
    public var bytes: [UInt8]

    /// Wraps raw ID bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The empty ID, the restorer's default entry (sent as a null object ID).
    public static let empty = ServiceID(bytes: [])

    /// An ID that is the given text itself (`Restorer.Id.public`).
    public init(public text: String) {
        self.bytes = Array(text.utf8)
    }

    /// Parses the URL-safe, unpadded base64 form used in sturdy refs.
    ///
    /// - Throws: ``NetworkErrorCode/invalidSturdyRef`` when `text` is not such base64.
    public init(base64URL text: some StringProtocol) throws {
        guard let bytes = Base64.decodeURL(text) else {
            throw NetworkError(.invalidSturdyRef, "bad base64 service ID \"\(text)\"")
        }
        self.bytes = bytes
    }

    /// Twenty fresh random bytes (`Restorer.Id.generate`), as for `add-client` submission caps.
    public static func random() -> ServiceID {
        var generator = SystemRandomNumberGenerator()
        return ServiceID(bytes: (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// HMAC-SHA256 of `name` keyed with `hashedSecret` (`Restorer.Id.derived`).
    ///
    /// - Parameters:
    ///   - hashedSecret: SHA-256 of the exact bytes of the vat's key file; see
    ///     ``SecretKey/hashedSecret``.
    ///   - name: the service name, e.g. `admin` or `pool-linux-x86_64`.
    public static func derived(hashedSecret: some Collection<UInt8>, name: String) -> ServiceID {
        let key = SymmetricKey(data: Array(hashedSecret))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(name.utf8), using: key)
        return ServiceID(bytes: Array(mac))
    }

    /// SHA-256 of the ID: the key under which restorers and ocluster's `sturdy_refs` table
    /// store it, so the ID itself is never kept.
    public var digest: [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// The URL-safe, unpadded base64 form.
    public var base64URL: String { Base64.encodeURL(bytes) }

    public var description: String { base64URL }
}
