// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

extension SecretKey {
    /// The certificate capnp-rpc builds from a key (`Auth.Secret_key.x509`): v3 with no
    /// extensions, subject = issuer = `CN=capnp` (UTF8String), valid from
    /// 1970-01-01 01:01:01Z (UTCTime) to 9999-12-31 23:59:59Z (GeneralizedTime), a random
    /// serial, self-signed (sha256WithRSAEncryption for RSA keys).
    ///
    /// Peers check only the public key in it, never names, dates or chains.
    static func selfSignedCertificate(for key: Certificate.PrivateKey) throws -> [UInt8] {
        let name = try DistinguishedName { CommonName("capnp") }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: Date(timeIntervalSince1970: 3661),
            notValidAfter: Date(timeIntervalSince1970: 253_402_300_799),
            issuer: name,
            subject: name,
            signatureAlgorithm: signatureAlgorithm(for: key.publicKey),
            extensions: Certificate.Extensions(),
            issuerPrivateKey: key
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    private static func signatureAlgorithm(for key: Certificate.PublicKey) -> Certificate.SignatureAlgorithm {
        if _RSA.Signing.PublicKey(key) != nil { return .sha256WithRSAEncryption }
        if P384.Signing.PublicKey(key) != nil { return .ecdsaWithSHA384 }
        if P521.Signing.PublicKey(key) != nil { return .ecdsaWithSHA512 }
        if Curve25519.Signing.PublicKey(key) != nil { return .ed25519 }
        return .ecdsaWithSHA256
    }
}
