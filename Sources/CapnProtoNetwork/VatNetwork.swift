// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Opens connections between vats the way capnp-rpc-unix does: TCP or Unix sockets, TLS
/// pinned by key digest or plain (`insecure`), standard Cap'n Proto framing.
///
/// Most programs want ``Vat`` instead, which runs the RPC engine over these connections. The
/// network moves frames only. Restoring a service over a connection (a CapTP `Bootstrap`
/// whose `deprecatedObjectId` is the service ID as NUL-terminated Text, or null when empty)
/// is the RPC engine's job: ``connect(to:_:)`` hands it the transport and the ID to send.
///
/// ```swift
/// let network = VatNetwork()
/// try await network.connect(to: try CapFile.load(from: "admin.cap")) { transport, serviceID in
///     // bootstrap serviceID over transport, then make calls
/// }
/// ```
public final class VatNetwork: Sendable {
    /// The event loops sockets run on.
    public let eventLoopGroup: any EventLoopGroup
    /// Limits applied to every incoming frame.
    public let readerOptions: ReaderOptions
    /// How long a TLS handshake may take before the connection is dropped.
    public let handshakeTimeout: Duration
    /// What a peer may make this network's connections hold.
    public let limits: ConnectionLimits
    let logger: Logger
    let drops: ConnectionDrops
    private let client: Mutex<(key: SecretKey?, context: NIOSSLContext?)>

    /// Creates a network.
    ///
    /// - Parameters:
    ///   - clientKey: the key presented when dialling TLS vats. `nil` means a fresh ephemeral
    ///     RSA-2048 key, made on the first TLS dial, as capnp-rpc's client-only vats do.
    ///   - eventLoopGroup: where sockets run; NIO's shared group by default.
    ///   - readerOptions: limits on incoming frames.
    ///   - handshakeTimeout: how long a TLS handshake may take.
    ///   - limits: read timeouts, connection and call limits.
    ///   - logger: where connection events are logged.
    public init(
        clientKey: SecretKey? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        readerOptions: ReaderOptions = .default,
        handshakeTimeout: Duration = .seconds(30),
        limits: ConnectionLimits = .default,
        logger: Logger = Logger(label: "capnp-rpc.network")
    ) {
        self.client = Mutex((clientKey, nil))
        self.eventLoopGroup = eventLoopGroup
        self.readerOptions = readerOptions
        self.handshakeTimeout = handshakeTimeout
        self.limits = limits
        self.logger = logger
        self.drops = ConnectionDrops(logger: logger)
        _ = NetworkMetrics.shared
    }

    /// A network whose sockets all run on one event loop thread, shared by every network made this
    /// way in the process: for a server whose calls all meet in one actor (placed there with
    /// ``makeExecutor()``), which then costs no thread switch per call. libcapnp and capnp-rpc
    /// servers run on one thread in the same way.
    public static func singleThreaded(
        clientKey: SecretKey? = nil,
        readerOptions: ReaderOptions = .default,
        limits: ConnectionLimits = .default,
        logger: Logger = Logger(label: "capnp-rpc.network")
    ) -> VatNetwork {
        VatNetwork(
            clientKey: clientKey,
            eventLoopGroup: oneThread,
            readerOptions: readerOptions,
            limits: limits,
            logger: logger
        )
    }

    private static let oneThread = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// One of the network's event loops as an ``RPCExecutor``: where an actor that serves calls from
    /// many connections can run so that reaching it costs them no thread switch (with a
    /// one-thread ``eventLoopGroup``, the thread every connection runs on).
    public func makeExecutor() -> any RPCExecutor {
        EventLoopRPCExecutor(eventLoopGroup.next())
    }

    /// Connects to the vat `ref` names and runs `body` with the transport and the service ID
    /// to bootstrap; the connection closes when `body` returns or throws.
    ///
    /// For `sha-256` refs the server must present a key with that digest, and this vat's
    /// client key is presented in turn. For `insecure` refs no TLS is used at all.
    ///
    /// - Throws: ``NetworkErrorCode/connectionFailed`` when the socket cannot be opened,
    ///   ``NetworkErrorCode/peerKeyMismatch`` when the server has another key,
    ///   ``NetworkErrorCode/tlsHandshakeFailed`` for other TLS failures, or what `body` throws.
    public func connect<Result: Sendable>(
        to ref: SturdyRef,
        _ body: (NIORPCTransport, ServiceID) async throws -> Result
    ) async throws -> Result {
        let connection = try await open(ref)
        return try await connection.run { transport in try await body(transport, ref.serviceID) }
    }

    private func open(_ ref: SturdyRef) async throws -> VatConnection {
        let context: NIOSSLContext?
        let expected: KeyDigest?
        switch ref.authentication {
        case .insecure:
            (context, expected) = (nil, nil)
        case .sha256(let digest):
            (context, expected) = (try clientContext(), digest)
        }
        let options = readerOptions
        let timeout = TimeAmount(handshakeTimeout)
        let deadlines = ReadDeadlineHandler.Settings(limits: limits, accepted: false, drops: drops)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<VatConnection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let verdict = VerificationVerdict()
                let tls = try context.map { context -> NIOSSLHandler in
                    try NIOSSLClientHandler(
                        context: context,
                        serverHostname: nil,
                        customVerificationCallback: VatTLS.pinning(expected ?? KeyDigest.none, verdict: verdict)
                    )
                }
                return try VatConnection.configure(
                    channel,
                    tls: tls,
                    verdict: verdict,
                    options: options,
                    handshakeTimeout: timeout,
                    deadlines: deadlines,
                    accepted: false
                )
            }
        }
        logger.info("Connecting to \(ref.address)...")
        do {
            switch ref.address {
            case .tcp(let host, let port):
                return try await SocketOptions.tcpClient(ClientBootstrap(group: eventLoopGroup))
                    .connect(host: host, port: port, channelInitializer: initializer)
            case .unix(let path):
                return try await ClientBootstrap(group: eventLoopGroup)
                    .connect(unixDomainSocketPath: path, channelInitializer: initializer)
            }
        } catch {
            throw NetworkError(
                .connectionFailed,
                "network connection for \(ref.address) failed: \(error)",
                cause: error
            )
        }
    }

    /// The client TLS context, generating the ephemeral key on first use.
    private func clientContext() throws -> NIOSSLContext {
        try client.withLock { state in
            if let context = state.context { return context }
            let key = try state.key ?? SecretKey.generate()
            let context = try VatTLS.clientContext(key: key)
            state = (key, context)
            return context
        }
    }

    /// Starts listening on `address` (`tcp:HOST:0` picks a free port; see
    /// ``VatListener/address``).
    ///
    /// - Parameters:
    ///   - address: where to listen. A stale Unix socket file is removed first.
    ///   - secretKey: the vat's key: its certificate is presented, and sturdy refs carry its digest.
    ///   - serveTLS: `false` is `--capnp-disable-tls`: only plain connections are accepted.
    /// - Throws: ``NetworkErrorCode/connectionFailed`` when the address cannot be bound.
    public func listen(address: VatAddress, secretKey: SecretKey, serveTLS: Bool = true) async throws -> VatListener {
        let context = serveTLS ? try VatTLS.serverContext(key: secretKey) : nil
        let options = readerOptions
        let timeout = TimeAmount(handshakeTimeout)
        let deadlines = ReadDeadlineHandler.Settings(limits: limits, accepted: true, drops: drops)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<VatConnection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let verdict = VerificationVerdict()
                let tls = context.map { context -> NIOSSLHandler in
                    NIOSSLServerHandler(
                        context: context,
                        customVerificationCallback: VatTLS.acceptAnyClient(verdict: verdict)
                    )
                }
                return try VatConnection.configure(
                    channel,
                    tls: tls,
                    verdict: verdict,
                    options: options,
                    handshakeTimeout: timeout,
                    deadlines: deadlines,
                    accepted: true
                )
            }
        }
        let server: NIOAsyncChannel<VatConnection, Never>
        do {
            let bootstrap = ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 128)
            switch address {
            case .tcp(let host, let port):
                server = try await SocketOptions.tcpServer(bootstrap)
                    .bind(host: host, port: port, childChannelInitializer: initializer)
            case .unix(let path):
                server = try await bootstrap.bind(
                    unixDomainSocketPath: path,
                    cleanupExistingSocketFile: true,
                    childChannelInitializer: initializer
                )
            }
        } catch {
            throw NetworkError(.connectionFailed, "cannot listen on \(address): \(error)", cause: error)
        }
        var bound = address
        if case .tcp(let host, _) = address, let port = server.channel.localAddress?.port {
            bound = .tcp(host: host, port: port)
        }
        logger.info("Listening on \(bound)")
        return VatListener(
            server: server,
            address: bound,
            authentication: serveTLS ? .sha256(secretKey.publicKeyDigest) : .insecure,
            logger: logger
        )
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension KeyDigest {
    /// Placeholder that never matches; used only when no TLS handler is built.
    fileprivate static let none = KeyDigest(subjectPublicKeyInfo: [])
}
