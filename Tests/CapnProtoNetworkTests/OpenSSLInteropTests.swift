// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import Foundation
import TestSupport
import Testing

/// The TLS scheme against an independent TLS stack: `openssl s_client` and `s_server`.
@Suite(.timeLimit(.minutes(1)), .requires("openssl", OpenSSL.isAvailable)) struct OpenSSLInteropTests {
    /// Makes an RSA key and a self-signed certificate for it with openssl; returns the key's
    /// SPKI digest as openssl computes it.
    private func makeOpenSSLIdentity(in directory: String) throws -> String {
        _ = try OpenSSL.shell(
            "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=capnp -days 1 -keyout key.pem -out cert.pem 2>/dev/null",
            directory: directory
        )
        return base64URL(
            try OpenSSL.shell(
                "openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary",
                directory: directory
            )
        )
    }

    /// Accepts one connection on a fresh TLS listener while `client` runs in the background. The
    /// clients keep their input open for 20 s (s_client hangs up when it ends), so that a loaded
    /// machine finishes the handshake before they leave; they are stopped once the check is done.
    private func acceptOne(
        client: (Int) throws -> Process,
        check: (VatConnection) async throws -> Void
    ) async throws {
        let listener = try await VatNetwork().listen(
            address: .tcp(host: "127.0.0.1", port: 0),
            secretKey: try VatNetworkTests.serverKey.get()
        )
        let process = try client(try #require(listener.port))
        defer { process.terminate() }
        try await listener.withConnections { connections in
            var iterator = connections.makeAsyncIterator()
            let connection = try #require(try await iterator.next())
            try await check(connection)
        }
    }

    @Test func clientWithoutCertificateIsRejected() async throws {
        try await acceptOne(
            client: { port in
                try OpenSSL.start("sleep 20 | openssl s_client -connect 127.0.0.1:\(port) -tls1_3")
            },
            check: { connection in
                let error = await #expect(throws: NetworkError.self) { try await connection.run { _ in } }
                #expect(error?.code == .missingClientCertificate)
            }
        )
    }

    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func opensslClientWithCertificateIsAccepted(version: String) async throws {
        try await withTemporaryDirectory { directory in
            let digest = try makeOpenSSLIdentity(in: directory)
            try await acceptOne(
                client: { port in
                    try OpenSSL.start(
                        "sleep 20 | openssl s_client -connect 127.0.0.1:\(port) \(version) -cert cert.pem -key key.pem",
                        directory: directory
                    )
                },
                check: { connection in
                    let peer = try await connection.run { transport in transport.peer }
                    #expect(peer == .sha256(try KeyDigest(base64URL: digest)))
                }
            )
        }
    }

    @Test func clientPinsAnOpenSSLServer() async throws {
        try await withTemporaryDirectory { directory in
            let digest = try makeOpenSSLIdentity(in: directory)
            let port = Int.random(in: 20000..<60000)
            // -Verify 1: s_server demands a client certificate, as capnp-rpc servers do.
            let server = try OpenSSL.start(
                "openssl s_server -accept 127.0.0.1:\(port) -cert cert.pem -key key.pem -Verify 1 -naccept 1 -quiet",
                directory: directory
            )
            defer { server.terminate() }
            let ref = try SturdyRef(parsing: "capnp://sha-256:\(digest)@127.0.0.1:\(port)/")
            var lastError: (any Error)?
            for _ in 0..<50 {
                do {
                    let peer = try await VatNetwork().connect(to: ref) { transport, _ in transport.peer }
                    #expect(peer == .sha256(try KeyDigest(base64URL: digest)))
                    return
                } catch let error as NetworkError where error.code == .connectionFailed {
                    lastError = error  // s_server not listening yet
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            Issue.record("could not reach openssl s_server: \(String(describing: lastError))")
        }
    }
}
