// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser

/// Where an HTTP endpoint listens: `PORT` (every interface, as ocluster's `--listen-prometheus PORT`),
/// `ADDR:PORT`, or `[IPV6]:PORT`.
public struct HTTPListenAddress: Sendable, Hashable, ExpressibleByArgument, CustomStringConvertible {
    /// The address to bind (`0.0.0.0` for every interface).
    public var host: String
    /// The TCP port (0 picks a free one).
    public var port: Int

    /// An address and port.
    public init(host: String = "0.0.0.0", port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `PORT`, `ADDR:PORT` or `[IPV6]:PORT`; nil if it is none of them.
    public init?(argument: String) {
        var host = "0.0.0.0"
        var portText = Substring(argument)
        if let colon = argument.lastIndex(of: ":") {
            host = String(argument[..<colon])
            portText = argument[argument.index(after: colon)...]
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains("[") && !host.contains("]") else { return nil }
            // A bare IPv6 address must be bracketed: otherwise its last group would be read as the port.
            guard !host.contains(":") || argument.hasPrefix("[") else { return nil }
        }
        guard portText.allSatisfy(\.isASCII), let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.init(host: host, port: port)
    }

    /// `ADDR:PORT` (`[ADDR]:PORT` for IPv6).
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
