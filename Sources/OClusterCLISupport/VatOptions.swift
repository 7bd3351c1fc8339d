// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProtoNetwork
import Foundation
import Logging
import OClusterClient

/// A serving vat's options, named as capnp-rpc-unix's `Vat_config.cmd`.
public struct VatOptions: ParsableArguments, Sendable {
    /// `--capnp-secret-key-file`.
    @Option(
        name: .customLong("capnp-secret-key-file"),
        help: ArgumentHelp(
            "File in which to store the vat's private key (created if missing; \"\" for an ephemeral key).",
            valueName: "FILE"
        )
    )
    public var secretKeyFile: String

    /// `--capnp-listen-address`.
    @Option(
        name: .customLong("capnp-listen-address"),
        help: ArgumentHelp("Address to listen on, e.g. tcp:0.0.0.0:9000 or unix:/path/socket.", valueName: "ADDR")
    )
    public var listenAddress: String

    /// `--capnp-public-address`.
    @Option(
        name: .customLong("capnp-public-address"),
        help: ArgumentHelp(
            "Address to advertise to peers in sturdy refs (default: the listen address).",
            valueName: "ADDR"
        )
    )
    public var publicAddress: String?

    /// `--capnp-disable-tls`.
    @Flag(name: .customLong("capnp-disable-tls"), help: "Serve plain TCP without TLS (sturdy refs say \"insecure\").")
    public var disableTLS = false

    /// Creates the options (for ArgumentParser).
    public init() {}

    /// Reads or creates the key and builds the (not yet started) vat, logging as `label`. With
    /// `singleThreaded`, every connection runs on one event loop thread (see
    /// ``VatNetwork/singleThreaded(clientKey:readerOptions:logger:)``).
    ///
    /// - Throws: ``NetworkError`` for a bad address or an unreadable key.
    public func makeVat(
        logLabel label: String = "capnp-rpc",
        singleThreaded: Bool = false,
        limits: ConnectionLimits = .default
    ) throws -> Vat {
        let logger = Logger(label: label)
        let key =
            secretKeyFile.isEmpty
            ? try SecretKey.generate()
            : try SecretKey.loadOrGenerate(path: secretKeyFile, logger: logger)
        return Vat(
            secretKey: key,
            listenAddress: try VatAddress(parsing: listenAddress),
            publicAddress: try publicAddress.map { try VatAddress(parsing: $0) },
            serveTLS: !disableTLS,
            network: singleThreaded
                ? VatNetwork.singleThreaded(clientKey: key, limits: limits, logger: logger)
                : VatNetwork(clientKey: key, limits: limits, logger: logger),
            logger: logger
        )
    }
}

/// The `-c`/`--connect` option of the client commands: a `.cap` file (or a `capnp://` URI).
public struct ConnectOptions: ParsableArguments, Sendable {
    /// `-c`/`--connect`.
    @Option(
        name: [.customShort("c"), .customLong("connect")],
        help: ArgumentHelp("Path of the .cap file (or a capnp:// URI) to connect to.", valueName: "ADDR")
    )
    public var connect: String?

    /// Creates the options (for ArgumentParser).
    public init() {}

    /// The cap file, which Cmdliner's `file` converter requires to exist (a `capnp://` URI is
    /// accepted as well); without `-c`, the selected context's (``selectedContext()``).
    ///
    /// - Throws: ``UsageError`` with Cmdliner's message when it is missing or does not exist;
    ///   `OClusterClientError` when `OCLUSTER_CONTEXT` names no context.
    public func capFile() throws -> String {
        guard let connect else {
            guard let context = try selectedContext() else { throw UsageError.missingOption("--connect") }
            return context.capFile
        }
        guard connect.hasPrefix("capnp://") || FileManager.default.fileExists(atPath: connect) else {
            let typed = CommandLine.arguments.contains { $0 == "--connect" || $0.hasPrefix("--connect=") }
            throw UsageError.noSuchFile(connect, option: typed ? "--connect" : "-c")
        }
        return connect
    }

    /// The context used when no `-c` is given: `OCLUSTER_CONTEXT`'s, else the current one.
    public func selectedContext() throws -> ClusterContext? {
        guard connect == nil else { return nil }
        return try ContextStore().selected()
    }
}
