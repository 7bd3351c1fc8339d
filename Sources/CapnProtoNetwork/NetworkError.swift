// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// The one error type of the vat network.
///
/// Every bad sturdy ref, unreadable key or cap file, refused TLS peer and malformed frame
/// surfaces as a `NetworkError` with a stable ``Code`` (for programs) and a message (for
/// people). Equality looks at the code only, so tests can match on the kind of failure without
/// pinning its wording.
public struct NetworkError: CodedError {
    /// A kind of failure. A struct over a private enum so new kinds are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
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
        public static let invalidSturdyRef = Code(.invalidSturdyRef)
        /// A listen address is not `tcp:HOST:PORT` or `unix:PATH`.
        public static let invalidAddress = Code(.invalidAddress)
        /// A secret key file does not hold exactly one readable PEM private key.
        public static let invalidSecretKey = Code(.invalidSecretKey)
        /// A secret key file holds a key of a kind capnp-rpc does not use (e.g. encrypted or DSA).
        public static let unsupportedSecretKey = Code(.unsupportedSecretKey)
        /// Reading or writing a key or cap file failed.
        public static let fileSystem = Code(.fileSystem)
        /// The vat's self-signed certificate could not be built or loaded into TLS.
        public static let certificate = Code(.certificate)
        /// The TLS handshake failed for another reason than a key mismatch.
        public static let tlsHandshakeFailed = Code(.tlsHandshakeFailed)
        /// The server's public key does not have the digest the sturdy ref pins.
        public static let peerKeyMismatch = Code(.peerKeyMismatch)
        /// A TLS client connected without presenting a certificate.
        public static let missingClientCertificate = Code(.missingClientCertificate)
        /// The peer sent a frame whose segment table is malformed or exceeds the reader limits.
        public static let malformedFrame = Code(.malformedFrame)
        /// The TCP or Unix connection could not be opened.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection closed before the operation finished.
        public static let connectionClosed = Code(.connectionClosed)

        public var description: String { "\(wrapped)" }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence for people saying what was wrong.
    public var message: String
    /// The lower-level error this one wraps, if any.
    public var cause: (any Error)?

    /// Creates an error of the given kind.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "NetworkError.\(code): \(message)" }
}
