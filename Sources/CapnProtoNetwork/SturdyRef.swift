// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// An offline reference to a service: where its vat is, how to authenticate it, and which
/// service to ask for. Printed and parsed as capnp-rpc's `capnp://` URIs:
///
/// | kind | form |
/// | --- | --- |
/// | TCP + TLS | `capnp://sha-256:<FP>@<host>:<port>/<SID>` |
/// | TCP, no TLS | `capnp://insecure@<host>:<port>/<SID>` |
/// | Unix + TLS | `capnp://sha-256:<FP>@<abs-path>/<SID>` |
/// | Unix, no TLS | `capnp://insecure@<abs-path>/<SID>` |
///
/// `<FP>` is the server's ``KeyDigest`` and `<SID>` the ``ServiceID``, both URL-safe base64
/// without padding. An empty TCP service ID prints with no path at all; an empty Unix one keeps
/// the trailing slash (`capnp://insecure@/sock/`), as capnp-rpc's own tests expect.
public struct SturdyRef: Sendable, Hashable, CustomStringConvertible {
    /// How a client authenticates the vat it dials.
    public enum Authentication: Sendable, Hashable {
        /// Plain TCP or Unix stream, no TLS at all.
        case insecure
        /// TLS, accepting only a server whose public key has this SHA-256 digest.
        case sha256(KeyDigest)
    }

    /// Where the vat listens.
    public var address: VatAddress
    /// How to authenticate it.
    public var authentication: Authentication
    /// The service to bootstrap once connected.
    public var serviceID: ServiceID

    /// Assembles a sturdy ref.
    public init(address: VatAddress, authentication: Authentication, serviceID: ServiceID) {
        self.address = address
        self.authentication = authentication
        self.serviceID = serviceID
    }

    /// Parses a `capnp://` URI.
    ///
    /// The rules are capnp-rpc's (`Capnp_address.parse_uri`): the userinfo is `insecure` or
    /// `sha-256:<digest>`; a host with a port is TCP (one leading `/` of the path is dropped and
    /// the rest is the service ID); no host and no port is a Unix socket (the path is cut at its
    /// last `/` into socket path and service ID). A query or fragment is ignored.
    ///
    /// - Throws: ``NetworkErrorCode/invalidSturdyRef`` naming what is wrong.
    public init(parsing uri: String) throws {
        let parts = try URIParts(uri)
        self.authentication = try Self.authentication(user: parts.user, password: parts.password, uri: uri)
        switch (parts.host.isEmpty ? nil : parts.host, parts.port) {
        case (let host?, let port?):
            let path = parts.path.hasPrefix("/") ? parts.path.dropFirst() : Substring(parts.path)
            self.address = .tcp(host: host, port: port)
            self.serviceID = try ServiceID(base64URL: path)
        case (_?, nil):
            throw NetworkError(.invalidSturdyRef, "missing port in \(uri)")
        case (nil, _?):
            throw NetworkError(.invalidSturdyRef, "port without host in \(uri)")
        case (nil, nil):
            guard let slash = parts.path.lastIndex(of: "/"), slash != parts.path.startIndex else {
                throw NetworkError(.invalidSturdyRef, "no host and no socket path in \(uri)")
            }
            self.address = .unix(path: String(parts.path[..<slash]))
            self.serviceID = try ServiceID(base64URL: parts.path[parts.path.index(after: slash)...])
        }
    }

    private static func authentication(user: String?, password: String?, uri: String) throws -> Authentication {
        switch (user, password) {
        case ("insecure"?, nil):
            return .insecure
        case (let hash?, let digest?):
            guard hash == "sha-256" else {
                throw NetworkError(.invalidSturdyRef, "unknown hash type \"\(hash)\" in \(uri) (expected sha-256)")
            }
            return .sha256(try KeyDigest(base64URL: digest))
        case (nil, _):
            throw NetworkError(
                .invalidSturdyRef,
                "missing digest hash type in \(uri) (expected capnp://sha-256:DIGEST@… or capnp://insecure@…)"
            )
        case (_?, nil):
            throw NetworkError(
                .invalidSturdyRef,
                "missing digest value in \(uri) (expected capnp://sha-256:DIGEST@… or capnp://insecure@…)"
            )
        }
    }

    /// The URI, exactly as capnp-rpc prints it.
    public var uri: String {
        let userinfo =
            switch authentication {
            case .insecure: "insecure"
            case .sha256(let digest): "sha-256:\(digest.base64URL)"
            }
        switch address {
        case .tcp(let host, let port):
            let printedHost = host.contains(":") ? "[\(host)]" : URIParts.percentEncode(host, keeping: "")
            let path = serviceID.bytes.isEmpty ? "" : "/\(serviceID.base64URL)"
            return "capnp://\(userinfo)@\(printedHost):\(port)\(path)"
        case .unix(let path):
            return "capnp://\(userinfo)@\(URIParts.percentEncode(path, keeping: "/:@"))/\(serviceID.base64URL)"
        }
    }

    public var description: String { uri }
}
