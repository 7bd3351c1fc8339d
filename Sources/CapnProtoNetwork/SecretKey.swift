// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Crypto
import Logging
import NIOSSL
import SwiftASN1
import X509
import _CryptoExtras

/// A vat's private key: the `--capnp-secret-key-file`.
///
/// capnp-rpc generates an RSA-2048 key and stores it as PKCS#8 PEM (`-----BEGIN PRIVATE
/// KEY-----`, 64-column base64, LF line ends, a final LF); it loads PKCS#8, PKCS#1
/// (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`) files holding exactly one key. Three things
/// come from the key:
/// - ``publicKeyDigest``, the SHA-256 of its DER `SubjectPublicKeyInfo`, which sturdy refs pin;
/// - the self-signed `CN=capnp` certificate the vat presents in TLS, rebuilt at every start;
/// - ``hashedSecret``, the SHA-256 of the **exact file bytes**, which keys the HMAC behind
///   ``derivedServiceID(_:)``. Re-encoding the file changes every derived ID, so ``pem`` keeps
///   the bytes as read.
public struct SecretKey: Sendable {
    /// The exact PEM bytes, as read from (or written to) the key file.
    public let pem: [UInt8]
    /// SHA-256 of the DER `SubjectPublicKeyInfo` of the public key.
    public let publicKeyDigest: KeyDigest
    /// The self-signed certificate presented in TLS, DER-encoded.
    public let certificateDER: [UInt8]
    let privateKey: Certificate.PrivateKey
    let tlsCertificate: NIOSSLCertificate
    let tlsPrivateKey: NIOSSLPrivateKey

    /// Loads a key from PEM bytes (the content of a key file).
    ///
    /// - Throws: ``NetworkErrorCode/invalidSecretKey`` when `pem` is not one readable PEM
    ///   private key, ``NetworkErrorCode/unsupportedSecretKey`` for a kind of key capnp-rpc
    ///   does not use (encrypted, DSA, OpenSSH, an unknown algorithm, RSA under 2048 bits).
    public init(pem: [UInt8]) throws {
        guard let text = String(validating: pem, as: UTF8.self) else {
            throw NetworkError(.invalidSecretKey, "secret key is not PEM text (it is not even UTF-8)")
        }
        let labels = Self.pemLabels(text)
        guard labels.count == 1, let label = labels.first else {
            throw NetworkError(
                .invalidSecretKey,
                labels.isEmpty
                    ? "secret key holds no PEM block (expected -----BEGIN PRIVATE KEY-----)"
                    : "secret key holds \(labels.count) PEM blocks; it must hold exactly one private key"
            )
        }
        guard ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"].contains(label) else {
            throw NetworkError(
                .unsupportedSecretKey,
                "unsupported PEM block \"\(label)\" in secret key "
                    + "(expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY, unencrypted)"
            )
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: text)
        } catch let error as CertificateError where error.code == .unsupportedPrivateKey {
            throw NetworkError(.unsupportedSecretKey, "unsupported secret key: \(error)", cause: error)
        } catch {
            throw NetworkError(.invalidSecretKey, "failed to parse secret key: \(error)", cause: error)
        }
        try self.init(pem: pem, privateKey: key)
    }

    private init(pem: [UInt8], privateKey: Certificate.PrivateKey) throws {
        self.pem = pem
        self.privateKey = privateKey
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(privateKey.publicKey)
            self.publicKeyDigest = KeyDigest(subjectPublicKeyInfo: serializer.serializedBytes)
            self.certificateDER = try Self.selfSignedCertificate(for: privateKey)
        } catch {
            throw NetworkError(.certificate, "cannot build the vat certificate: \(error)", cause: error)
        }
        do {
            self.tlsCertificate = try NIOSSLCertificate(bytes: certificateDER, format: .der)
            self.tlsPrivateKey = try NIOSSLPrivateKey(bytes: pem, format: .pem)
        } catch {
            throw NetworkError(.certificate, "TLS cannot use the secret key: \(error)", cause: error)
        }
    }

    /// A fresh RSA-2048 key, as capnp-rpc generates (`Secret_key.generate`).
    ///
    /// - Throws: ``NetworkErrorCode/certificate`` if the key cannot be made or used.
    public static func generate() throws -> SecretKey {
        do {
            let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            return try SecretKey(pem: pkcs8PEM(der: Array(rsa.pkcs8DERRepresentation)), privateKey: .init(rsa))
        } catch let error as NetworkError {
            throw error
        } catch {
            throw NetworkError(.certificate, "cannot generate an RSA key: \(error)", cause: error)
        }
    }

    /// Loads the key file at `path`, creating it (mode 0600, never overwriting) if missing.
    ///
    /// This is capnp-rpc-unix's `--capnp-secret-key-file`: an empty `path` means an ephemeral
    /// key, so derived service IDs then change on every run.
    ///
    /// - Throws: ``NetworkError`` when the file cannot be read, written or parsed.
    public static func loadOrGenerate(path: String, logger: Logger) throws -> SecretKey {
        if path.isEmpty {
            logger.info("Generating new private key...")
            let key = try generate()
            logger.info("Generated key with hash \(key.publicKeyDigest)")
            return key
        }
        if FileIO.exists(path) {
            logger.info("Restoring saved secret key from existing file \(path)")
            do {
                return try SecretKey(pem: FileIO.read(path))
            } catch var error as NetworkError {
                error.message = "\(path): \(error.message)"
                throw error
            }
        }
        logger.info("Generating new secret key to store in \(path)")
        let key = try generate()
        try FileIO.write(key.pem, to: path, mode: 0o600, exclusive: true)
        logger.info("Generated key with hash \(key.publicKeyDigest)")
        return key
    }

    /// SHA-256 of the exact key-file bytes: the HMAC key for derived service IDs
    /// (`Vat_config.hashed_secret`).
    public var hashedSecret: [UInt8] { Array(SHA256.hash(data: pem)) }

    /// The stable ID of a named service (`Vat_config.derived_id`): HMAC-SHA256 of `name`
    /// keyed with ``hashedSecret``. ocluster uses `admin` and `pool-<NAME>`.
    public func derivedServiceID(_ name: String) -> ServiceID {
        ServiceID.derived(hashedSecret: hashedSecret, name: name)
    }

    // MARK: - PEM

    /// PKCS#8 DER as PEM, in the exact layout capnp-rpc's x509 writes.
    static func pkcs8PEM(der: [UInt8]) -> [UInt8] {
        let body = Array(Base64.encodeStandard(der).utf8)
        var out = Array("-----BEGIN PRIVATE KEY-----\n".utf8)
        var start = 0
        while start < body.count {
            let end = min(start + 64, body.count)
            out += body[start..<end]
            out.append(UInt8(ascii: "\n"))
            start = end
        }
        out += Array("-----END PRIVATE KEY-----\n".utf8)
        return out
    }

    /// The labels of the `-----BEGIN <label>-----` lines in `text`.
    private static func pemLabels(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let line = line.trimmingWhitespace
            guard line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 else { return nil }
            return String(line.dropFirst(11).dropLast(5))
        }
    }
}
