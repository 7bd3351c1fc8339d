// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import NIOCore
import NIOSSL
import Synchronization

/// capnp-rpc's TLS scheme, on swift-nio-ssl.
///
/// No certificate authority is involved on either side:
/// - the **client** pins the server by the SHA-256 of its `SubjectPublicKeyInfo` (the digest in
///   the sturdy ref), with no chain, name or date check, and sends no SNI or ALPN;
/// - the **server** requires a client certificate but accepts any, keeping only its key digest
///   as the peer's identity (OCaml clients always present a self-signed one).
///
/// Both offer TLS 1.2 and 1.3, and only AEAD suites with forward secrecy for 1.2, matching the
/// ocaml-tls defaults.
enum VatTLS {
    /// The context a listening vat uses: presents `key`'s certificate, requests a client one.
    static func serverContext(key: SecretKey) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(key.tlsCertificate)],
            privateKey: .privateKey(key.tlsPrivateKey)
        )
        apply(to: &configuration)
        // Verification is replaced wholesale by `acceptAnyClient`; `noHostnameVerification`
        // makes BoringSSL request a certificate and fail when the client sends none.
        configuration.certificateVerification = .noHostnameVerification
        configuration.sendCANameList = false
        return try makeContext(configuration)
    }

    /// The context a dialling vat uses: presents `key`'s certificate, verification by pinning.
    static func clientContext(key: SecretKey) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = [.certificate(key.tlsCertificate)]
        configuration.privateKey = .privateKey(key.tlsPrivateKey)
        apply(to: &configuration)
        // The custom callback runs only when verification is on; hostnames are never checked.
        configuration.certificateVerification = .noHostnameVerification
        return try makeContext(configuration)
    }

    private static func apply(to configuration: inout TLSConfiguration) {
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.trustRoots = .certificates([])
        configuration.applicationProtocols = []
        configuration.renegotiationSupport = .none
        configuration.cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
    }

    private static func makeContext(_ configuration: TLSConfiguration) throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw NetworkError(.certificate, "cannot set up TLS with the vat key: \(error)", cause: error)
        }
    }

    /// The SHA-256 digest of a certificate's `SubjectPublicKeyInfo`.
    static func digest(of certificate: NIOSSLCertificate) throws -> KeyDigest {
        KeyDigest(subjectPublicKeyInfo: try certificate.extractPublicKey().toSPKIBytes())
    }

    /// A client-side callback accepting only a leaf certificate whose key has digest `expected`.
    static func pinning(
        _ expected: KeyDigest,
        verdict: VerificationVerdict
    ) -> NIOSSLCustomVerificationCallback {
        { certificates, promise in
            guard let leaf = certificates.first else {
                verdict.record(NetworkError(.tlsHandshakeFailed, "the server sent no certificate"))
                promise.succeed(.failed)
                return
            }
            do {
                let actual = try digest(of: leaf)
                guard actual == expected else {
                    verdict.record(
                        NetworkError(
                            .peerKeyMismatch,
                            "the server's public key is sha-256:\(actual.base64URL) "
                                + "but the sturdy ref expects sha-256:\(expected.base64URL)"
                        )
                    )
                    promise.succeed(.failed)
                    return
                }
                verdict.record(peer: actual)
                promise.succeed(.certificateVerified)
            } catch {
                verdict.record(
                    NetworkError(.tlsHandshakeFailed, "cannot read the server's public key: \(error)", cause: error)
                )
                promise.succeed(.failed)
            }
        }
    }

    /// A server-side callback accepting any client certificate, noting its key digest.
    static func acceptAnyClient(verdict: VerificationVerdict) -> NIOSSLCustomVerificationCallback {
        { certificates, promise in
            guard let leaf = certificates.first, let actual = try? digest(of: leaf) else {
                verdict.record(NetworkError(.missingClientCertificate, "no usable client certificate found"))
                promise.succeed(.failed)
                return
            }
            verdict.record(peer: actual)
            promise.succeed(.certificateVerified)
        }
    }
}

/// What a verification callback decided, for the handshake waiter to report clearly.
final class VerificationVerdict: Sendable {
    private let state = Mutex<(peer: KeyDigest?, failure: NetworkError?)>((nil, nil))

    func record(peer: KeyDigest) { state.withLock { $0.peer = peer } }
    func record(_ failure: NetworkError) { state.withLock { $0.failure = failure } }

    var peer: KeyDigest? { state.withLock { $0.peer } }
    var failure: NetworkError? { state.withLock { $0.failure } }
}
