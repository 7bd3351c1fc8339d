// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import Crypto
import Foundation
import Logging
import TestSupport
import Testing

/// Key digests, derived service IDs and the vat certificate, checked against the vectors in
/// CAPNP-RPC-FACTS.md §1.4 and §4.3 (computed there by OCaml and Python) and recomputed here
/// with the `openssl` command line:
/// - key digest: `openssl pkey -pubout -outform DER | openssl dgst -sha256 -binary`, then
///   base64url without padding (done with Foundation, not the library's encoder);
/// - derived ID: `openssl dgst -sha256 -binary key.pem` gives the HMAC key, then
///   `printf %s NAME | openssl dgst -sha256 -mac HMAC -macopt hexkey:KEY -binary`.
@Suite struct SecretKeyTests {
    /// CAPNP-RPC-FACTS.md §1.4: a throwaway RSA-2048 public key.
    static let vectorPublicKey = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAryN92i1ys0+j+mQg92s0
        MKtfa9Wp/mIKNLJrFK9Yd7WLI4NFTJfxP5ZY30TJpSYFEvZfQ5H/mTI02A4Wv95i
        kcjk+UvSAyxOVCW1CXWC8g7liTKpWRCpvvApYxqNJHXK6qDi2tE4lDzQjpI+GKmT
        Vaw6V/tVqTyi1d320yG7YIO02FVQp3LMIGZYQzCJ5p6F4df0B+HSdJu/Ib+IIwxS
        kDi/8JOGt5YACU75ThP+kTOgO37Jc5FOh+iDNGP6PzaYcVWMNnID1Ji0uuPr4c2s
        Q/aq0Zl9cm6YaeUSAAtb7fzaU+wF3qFVTUrqXOHmhmEPUrYIXv/0qXn8Yhj99Udr
        iwIDAQAB
        -----END PUBLIC KEY-----

        """
    /// CAPNP-RPC-FACTS.md §4.3: the 56-byte key file whose hash keys the HMAC.
    static let vectorKeyFile = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"

    @Test func fingerprintVector() throws {
        let body = Self.vectorPublicKey.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: body))
        let digest = KeyDigest(subjectPublicKeyInfo: Array(der))
        #expect(hex(digest.bytes) == "9755461c95da6c582057fccc4f3a2fd7edf31ff697348f1ce90181980686ff80")
        #expect(digest.base64URL == "l1VGHJXabFggV_zMTzov1-3zH_aXNI8c6QGBmAaG_4A")
        #expect(try KeyDigest(base64URL: digest.base64URL) == digest)
    }

    @Test(.requires("openssl", OpenSSL.isAvailable)) func fingerprintVectorWithOpenSSL() async throws {
        try await withTemporaryDirectory { directory in
            try Self.vectorPublicKey.write(toFile: directory + "/pub.pem", atomically: false, encoding: .utf8)
            let raw = try OpenSSL.shell(
                "openssl pkey -pubin -in pub.pem -outform DER | openssl dgst -sha256 -binary",
                directory: directory
            )
            #expect(base64URL(raw) == "l1VGHJXabFggV_zMTzov1-3zH_aXNI8c6QGBmAaG_4A")
        }
    }

    @Test(arguments: [
        ("admin", "X7-fBNdY6KMYrkgOwd75VMz9jUfla8lp2gqP5M9BFPQ"),
        ("pool-linux-x86_64", "ifo1pdK85RtKvprrlAb-OnlIv0jctYQ6tYZNx8rlJKQ"),
        ("main", "RkqBso8gPD8tb9ZtKDGDhXmU9HH6nKAc-bn1iBklpwM"),
    ])
    func derivedServiceIDVectors(name: String, expected: String) throws {
        let hashed = Array(SHA256.hash(data: Array(Self.vectorKeyFile.utf8)))
        #expect(hex(hashed) == "041e60b8076ef87219ab446fb584df7337a7e20ff707625f56a21c83cd589eb8")
        let id = ServiceID.derived(hashedSecret: hashed, name: name)
        #expect(id.base64URL == expected)
        #expect(try ServiceID(base64URL: expected) == id)
        if name == "admin" {
            #expect(base64URL(id.digest) == "abRnJZwGBWF90kaJVzqHOwUeoVd1lSsbREtKw9vs_QQ")
        }
    }

    @Test(.requires("openssl", OpenSSL.isAvailable)) func derivedServiceIDVectorsWithOpenSSL() async throws {
        try await withTemporaryDirectory { directory in
            try Self.vectorKeyFile.write(toFile: directory + "/key.pem", atomically: false, encoding: .utf8)
            let key = hex(try OpenSSL.shell("openssl dgst -sha256 -binary key.pem", directory: directory))
            #expect(key == "041e60b8076ef87219ab446fb584df7337a7e20ff707625f56a21c83cd589eb8")
            let admin = try OpenSSL.shell(
                "printf %s admin | openssl dgst -sha256 -mac HMAC -macopt hexkey:\(key) -binary",
                directory: directory
            )
            #expect(base64URL(admin) == "X7-fBNdY6KMYrkgOwd75VMz9jUfla8lp2gqP5M9BFPQ")
        }
    }

    @Test(.requires("openssl", OpenSSL.isAvailable)) func generatedKeyMatchesOpenSSL() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/key.pem"
            let key = try SecretKey.loadOrGenerate(path: path, logger: Logger(label: "test"))
            let file = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(file == key.pem)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            // Layout: PKCS#8, 64-column base64, LF line ends, one final LF, exactly as OpenSSL
            // (and, per the facts, OCaml's x509) writes the same key.
            let text = String(decoding: file, as: UTF8.self)
            #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
            #expect(text.hasSuffix("\n-----END PRIVATE KEY-----\n"))
            #expect(!text.contains("\r") && !text.hasSuffix("\n\n"))
            #expect(try OpenSSL.shell("openssl pkey -in key.pem", directory: directory) == file)
            let details = String(
                decoding: try OpenSSL.shell("openssl pkey -in key.pem -text -noout", directory: directory),
                as: UTF8.self
            )
            #expect(details.contains("2048 bit"))
            #expect(details.contains("publicExponent: 65537"))

            let digest = try OpenSSL.shell(
                "openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary",
                directory: directory
            )
            #expect(key.publicKeyDigest.base64URL == base64URL(digest))
            #expect(key.publicKeyDigest.base64URL.count == 43)

            let hmacKey = hex(try OpenSSL.shell("openssl dgst -sha256 -binary key.pem", directory: directory))
            #expect(hex(key.hashedSecret) == hmacKey)
            let admin = try OpenSSL.shell(
                "printf %s admin | openssl dgst -sha256 -mac HMAC -macopt hexkey:\(hmacKey) -binary",
                directory: directory
            )
            #expect(key.derivedServiceID("admin").base64URL == base64URL(admin))

            // Loading again gives the same key, digest and IDs, and never rewrites the file.
            let again = try SecretKey.loadOrGenerate(path: path, logger: Logger(label: "test"))
            #expect(again.pem == key.pem)
            #expect(again.publicKeyDigest == key.publicKeyDigest)
            #expect(again.derivedServiceID("admin") == key.derivedServiceID("admin"))
        }
    }

    @Test(.requires("openssl", OpenSSL.isAvailable)) func certificateHasCapnpRPCFields() async throws {
        try await withTemporaryDirectory { directory in
            let key = try SecretKey.generate()
            try Data(key.certificateDER).write(to: URL(fileURLWithPath: directory + "/cert.der"))
            let text = String(
                decoding: try OpenSSL.shell("openssl x509 -inform DER -in cert.der -text -noout", directory: directory),
                as: UTF8.self
            )
            #expect(text.contains("Version: 3 (0x2)"))
            #expect(text.contains("Issuer: CN = capnp") || text.contains("Issuer: CN=capnp"))
            #expect(text.contains("Subject: CN = capnp") || text.contains("Subject: CN=capnp"))
            #expect(text.contains("Not Before: Jan  1 01:01:01 1970 GMT"))
            #expect(text.contains("Not After : Dec 31 23:59:59 9999 GMT"))
            #expect(text.contains("Signature Algorithm: sha256WithRSAEncryption"))
            #expect(!text.contains("X509v3 extensions"))
            let asn1 = String(
                decoding: try OpenSSL.shell("openssl asn1parse -inform DER -in cert.der", directory: directory),
                as: UTF8.self
            )
            #expect(asn1.contains("UTCTIME") && asn1.contains("GENERALIZEDTIME") && asn1.contains("UTF8STRING"))
            // The certificate's key is the vat key.
            let digest = try OpenSSL.shell(
                "openssl x509 -inform DER -in cert.der -pubkey -noout | openssl pkey -pubin -outform DER"
                    + " | openssl dgst -sha256 -binary",
                directory: directory
            )
            #expect(base64URL(digest) == key.publicKeyDigest.base64URL)
            // It is properly self-signed.
            _ = try OpenSSL.shell(
                "openssl x509 -inform DER -in cert.der -out cert.pem"
                    + " && openssl verify -no_check_time -check_ss_sig -CAfile cert.pem cert.pem",
                directory: directory
            )
        }
    }

    @Test(
        .requires("openssl", OpenSSL.isAvailable),
        arguments: [
            "openssl genrsa -traditional 2048",
            "openssl ecparam -name prime256v1 -genkey -noout",
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384",
            "openssl genpkey -algorithm ED25519",
        ]
    )
    func otherAcceptedKeyFormats(command: String) async throws {
        try await withTemporaryDirectory { directory in
            let pem = try OpenSSL.shell("\(command) > key.pem && cat key.pem", directory: directory)
            let key = try SecretKey(pem: pem)
            let digest = try OpenSSL.shell(
                "openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary",
                directory: directory
            )
            #expect(key.publicKeyDigest.base64URL == base64URL(digest))
        }
    }

    @Test(arguments: [
        ("", NetworkError.Code.invalidSecretKey, "no PEM block"),
        ("hello, world\n", .invalidSecretKey, "no PEM block"),
        (vectorKeyFile, .invalidSecretKey, "failed to parse"),
        ("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n", .invalidSecretKey, "failed to parse"),
        (vectorKeyFile + vectorKeyFile, .invalidSecretKey, "exactly one"),
        (
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", .unsupportedSecretKey,
            "ENCRYPTED"
        ),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", .unsupportedSecretKey,
            "OPENSSH"
        ),
        (vectorPublicKey, .unsupportedSecretKey, "PUBLIC KEY"),
    ])
    func garbageKeysGiveClearErrors(pem: String, code: NetworkError.Code, reason: String) {
        let error = #expect(throws: NetworkError.self) { try SecretKey(pem: Array(pem.utf8)) }
        #expect(error?.code == code)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "") should mention \(reason)")
    }

    @Test func garbageKeyFileNamesTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/key.pem"
            try "not a key".write(toFile: path, atomically: false, encoding: .utf8)
            let error = #expect(throws: NetworkError.self) {
                try SecretKey.loadOrGenerate(path: path, logger: Logger(label: "test"))
            }
            #expect(error?.code == .invalidSecretKey)
            #expect(error?.message.hasPrefix(path) == true)
        }
    }

    @Test func ephemeralKeysDiffer() throws {
        let first = try SecretKey.loadOrGenerate(path: "", logger: Logger(label: "test"))
        let second = try SecretKey.loadOrGenerate(path: "", logger: Logger(label: "test"))
        #expect(first.publicKeyDigest != second.publicKeyDigest)
        #expect(first.derivedServiceID("admin") != second.derivedServiceID("admin"))
    }
}
