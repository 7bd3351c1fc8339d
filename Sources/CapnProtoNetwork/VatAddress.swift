// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation

/// Where a vat listens or can be reached: a TCP host and port, or a Unix socket path.
///
/// Parsed from the `--capnp-listen-address` / `--capnp-public-address` syntax
/// (`tcp:HOST:PORT`, `tcp:[IPv6]:PORT`, `unix:PATH`) and printed back in it.
public enum VatAddress: Sendable, Hashable, CustomStringConvertible {
    /// A TCP endpoint. `host` is a name or an IP literal, without brackets.
    case tcp(host: String, port: Int)
    /// A Unix-domain socket at an absolute path.
    case unix(path: String)

    /// Parses `tcp:HOST:PORT`, `tcp:[IPv6]:PORT` or `unix:PATH`.
    ///
    /// A relative Unix path is made absolute against the current directory, as capnp-rpc-unix
    /// does. Port 0 is allowed (the system picks one when listening).
    ///
    /// - Throws: ``NetworkErrorCode/invalidAddress`` for any other form or a bad port.
    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw NetworkError(.invalidAddress, "missing ':' in address \"\(text)\"")
        }
        let kind = text[..<colon]
        let rest = String(text[text.index(after: colon)...])
        switch kind {
        case "unix":
            guard !rest.isEmpty else { throw NetworkError(.invalidAddress, "empty socket path in \"\(text)\"") }
            if rest.hasPrefix("/") {
                self = .unix(path: rest)
            } else {
                let cwd = FileManager.default.currentDirectoryPath
                self = .unix(path: cwd.hasSuffix("/") ? cwd + rest : cwd + "/" + rest)
            }
        case "tcp":
            self = try Self.parseTCP(rest, whole: text)
        default:
            throw NetworkError(
                .invalidAddress,
                "only tcp:HOST:PORT and unix:PATH addresses are currently supported, not \"\(text)\""
            )
        }
    }

    private static func parseTCP(_ text: String, whole: String) throws -> VatAddress {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                text[text.index(after: close)...].hasPrefix(":")
            else {
                throw NetworkError(.invalidAddress, "missing port in IPv6 address \"\(whole)\"")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.firstIndex(of: ":") else {
                throw NetworkError(.invalidAddress, "missing :PORT in listen address \"\(whole)\"")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = parsePort(portText) else {
            throw NetworkError(.invalidAddress, "invalid port \"\(portText)\" in listen address \"\(whole)\"")
        }
        return .tcp(host: String(host), port: port)
    }

    /// A decimal port in 0...65535, or `nil`.
    static func parsePort(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ (48...57).contains($0) }),
            let port = Int(text), port <= 65535
        else { return nil }
        return port
    }

    /// The `tcp:HOST:PORT` or `unix:PATH` form.
    public var description: String {
        switch self {
        case .tcp(let host, let port):
            host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        case .unix(let path):
            "unix:\(path)"
        }
    }
}
