// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// The one error type of the vat network.
///
/// Every bad sturdy ref, unreadable key or cap file, refused TLS peer and malformed frame
/// surfaces as a `NetworkError` with a stable ``NetworkErrorCode`` (for programs) and a message (for
/// people). Equality looks at the code only, so tests can match on the kind of failure without
/// pinning its wording.
public typealias NetworkError = CodedError<NetworkErrorCode>

/// A kind of ``NetworkError``. A struct over a private enum so new kinds are not a breaking change.
public struct NetworkErrorCode: ErrorCode, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
        case invalidSturdyRef
        case invalidAddress
        case invalidSecretKey
        case unsupportedSecretKey
        case fileSystem
        case certificate
        case tlsHandshakeFailed
        case peerKeyMismatch
        case missingClientCertificate
        case malformedFrame
        case connectionFailed
        case connectionClosed
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// A `capnp://` URI is malformed (scheme, hash, digest, host, port or service ID).
    public static let invalidSturdyRef = Self(.invalidSturdyRef)
    /// A listen address is not `tcp:HOST:PORT` or `unix:PATH`.
    public static let invalidAddress = Self(.invalidAddress)
    /// A secret key file does not hold exactly one readable PEM private key.
    public static let invalidSecretKey = Self(.invalidSecretKey)
    /// A secret key file holds a key of a kind capnp-rpc does not use (e.g. encrypted or DSA).
    public static let unsupportedSecretKey = Self(.unsupportedSecretKey)
    /// Reading or writing a key or cap file failed.
    public static let fileSystem = Self(.fileSystem)
    /// The vat's self-signed certificate could not be built or loaded into TLS.
    public static let certificate = Self(.certificate)
    /// The TLS handshake failed for another reason than a key mismatch.
    public static let tlsHandshakeFailed = Self(.tlsHandshakeFailed)
    /// The server's public key does not have the digest the sturdy ref pins.
    public static let peerKeyMismatch = Self(.peerKeyMismatch)
    /// A TLS client connected without presenting a certificate.
    public static let missingClientCertificate = Self(.missingClientCertificate)
    /// The peer sent a frame whose segment table is malformed or exceeds the reader limits.
    public static let malformedFrame = Self(.malformedFrame)
    /// The TCP or Unix connection could not be opened.
    public static let connectionFailed = Self(.connectionFailed)
    /// The connection closed before the operation finished.
    public static let connectionClosed = Self(.connectionClosed)

    public var description: String { "\(wrapped)" }

    /// `NetworkError.CODE: MESSAGE`: the kind named, as these errors surface far from the network.
    public static func describe(_ error: NetworkError) -> String { "NetworkError.\(error.code): \(error.message)" }
}
