// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork
import Crypto
import Foundation

/// The keys simulated peers dial with. Every connection has a key of its own, as every ocluster
/// worker and client process has: capnp-rpc keeps one connection per peer key and drops a
/// second one from the same key ("a good peer won't do that", `capnp-rpc-net/vat.ml`).
enum ClientKeys {
    /// RSA-2048, as capnp-rpc's client vats generate; kept in `cache` (a PEM file) when given, so
    /// that the next measurement does not spend its set-up making keys again.
    static func rsa(cache: String? = nil) throws -> SecretKey {
        if let cache, let pem = FileManager.default.contents(atPath: cache) {
            return try SecretKey(pem: Array(pem))
        }
        let key = try SecretKey.generate()
        if let cache { _ = FileManager.default.createFile(atPath: cache, contents: Data(key.pem)) }
        return key
    }

    /// P-256: thousands can be made in a second, for the idle connections. The handshake's costly
    /// part, the server's RSA-2048 signature, is the same whatever the client's key.
    static func p256() throws -> SecretKey {
        try SecretKey(pem: Array(P256.Signing.PrivateKey().pemRepresentation.utf8))
    }
}
