// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import Testing

@Suite struct SturdyRefTests {
    /// The digest in capnp-rpc's own `test_sturdy_uri`.
    static let testDigest = "s16WV4JeGusAL_nTjvICiQOFqm3LqYrDj3K-HXdMi8s"

    /// capnp-rpc's `test/test.ml` `test_sturdy_uri` cases: each prints exactly so and parses back.
    @Test(arguments: [
        ("capnp://insecure@/sock/", VatAddress.unix(path: "/sock"), nil, ""),
        ("capnp://insecure@localhost:7000", .tcp(host: "localhost", port: 7000), nil, ""),
        (
            "capnp://sha-256:\(testDigest)@localhost:7000/bWFpbg", .tcp(host: "localhost", port: 7000), testDigest,
            "main"
        ),
        ("capnp://sha-256:\(testDigest)@/sock/bWFpbg", .unix(path: "/sock"), testDigest, "main"),
    ])
    func capnpRPCVectors(uri: String, address: VatAddress, digest: String?, service: String) throws {
        let authentication: SturdyRef.Authentication =
            try digest.map { .sha256(try KeyDigest(base64URL: $0)) } ?? .insecure
        let ref = SturdyRef(address: address, authentication: authentication, serviceID: ServiceID(public: service))
        #expect(ref.uri == uri)
        #expect(try SturdyRef(parsing: uri) == ref)
    }

    @Test func generatedAndDerivedIDsRoundTrip() throws {
        let digest = try KeyDigest(base64URL: Self.testDigest)
        for id in [ServiceID.random(), ServiceID.derived(hashedSecret: [1, 2, 3], name: "admin")] {
            let ref = SturdyRef(
                address: .tcp(host: "10.0.0.1", port: 9000),
                authentication: .sha256(digest),
                serviceID: id
            )
            #expect(
                ref.uri.count == "capnp://sha-256:\(Self.testDigest)@10.0.0.1:9000/".count
                    + (id.bytes.count == 20 ? 27 : 43)
            )
            #expect(try SturdyRef(parsing: ref.uri) == ref)
        }
        #expect(ServiceID.random().base64URL.count == 27)
    }

    @Test func emptyPathsGiveEmptyServiceID() throws {
        #expect(try SturdyRef(parsing: "capnp://insecure@host:1/").serviceID == .empty)
        #expect(try SturdyRef(parsing: "capnp://insecure@host:1").serviceID == .empty)
    }

    @Test func unixPathIsCutAtLastSlash() throws {
        let ref = try SturdyRef(parsing: "capnp://insecure@/run/ocluster/sock/bWFpbg")
        #expect(ref.address == .unix(path: "/run/ocluster/sock"))
        #expect(ref.serviceID == ServiceID(public: "main"))
    }

    @Test func ipv6HostsAreBracketed() throws {
        let ref = SturdyRef(address: .tcp(host: "::1", port: 7000), authentication: .insecure, serviceID: .empty)
        #expect(ref.uri == "capnp://insecure@[::1]:7000")
        #expect(try SturdyRef(parsing: ref.uri) == ref)
    }

    @Test func queryAndFragmentAreIgnored() throws {
        let ref = try SturdyRef(parsing: "capnp://insecure@host:1/bWFpbg?x=1#y")
        #expect(ref.serviceID == ServiceID(public: "main"))
    }

    @Test(arguments: [
        ("http://insecure@host:1/bWFpbg", "unknown scheme"),
        ("insecure@host:1", "scheme"),
        ("capnp:insecure@host:1", "'//'"),
        ("capnp://host:1/bWFpbg", "missing digest hash type"),
        ("capnp://sha-256@host:1/bWFpbg", "missing digest value"),
        ("capnp://insecure:abc@host:1/bWFpbg", "unknown hash type"),
        ("capnp://sha-1:\(testDigest)@host:1/", "unknown hash type"),
        ("capnp://sha-256:not*base64@host:1/", "bad base64 digest"),
        ("capnp://sha-256:bWFpbg@host:1/", "32 bytes"),
        ("capnp://insecure@host/bWFpbg", "missing port"),
        ("capnp://insecure@:7000/bWFpbg", "port without host"),
        ("capnp://insecure@host:http/", "invalid port"),
        ("capnp://insecure@host:70000/", "invalid port"),
        ("capnp://insecure@host:-1/", "invalid port"),
        ("capnp://insecure@host:1/b=", "bad base64 service ID"),
        ("capnp://insecure@host:1/a", "bad base64 service ID"),
        ("capnp://insecure@", "no host and no socket path"),
        ("capnp://insecure@[::1/", "unclosed"),
    ])
    func badURIsAreRefused(uri: String, reason: String) {
        let error = #expect(throws: NetworkError.self) { try SturdyRef(parsing: uri) }
        #expect(error?.code == .invalidSturdyRef)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "") should mention \(reason)")
    }

    @Test(arguments: [
        ("tcp:0.0.0.0:9000", VatAddress.tcp(host: "0.0.0.0", port: 9000)),
        ("tcp:127.0.0.1:0", .tcp(host: "127.0.0.1", port: 0)),
        ("tcp:[::1]:7000", .tcp(host: "::1", port: 7000)),
        ("unix:/run/my.socket", .unix(path: "/run/my.socket")),
    ])
    func listenAddresses(text: String, address: VatAddress) throws {
        #expect(try VatAddress(parsing: text) == address)
        #expect(address.description == text)
    }

    @Test func relativeUnixPathsBecomeAbsolute() throws {
        guard case .unix(let path) = try VatAddress(parsing: "unix:my.socket") else {
            Issue.record("not a unix address")
            return
        }
        #expect(path.hasPrefix("/") && path.hasSuffix("/my.socket"))
    }

    @Test(arguments: ["tcp:host", "tcp:host:port", "tcp:[::1]", "udp:host:1", "host:1", "nothing", "tcp:h:99999"])
    func badListenAddresses(text: String) {
        #expect(throws: NetworkError(.invalidAddress, "")) { try VatAddress(parsing: text) }
    }
}
