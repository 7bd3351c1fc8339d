// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging
import NIOCore

/// A listening vat socket, made by ``VatNetwork/listen(address:secretKey:serveTLS:)``.
///
/// Either call ``run(handler:)`` to serve every connection in its own child task, or take the
/// raw stream of accepted ``VatConnection``s with ``withConnections(_:)``. Both close the
/// socket when they return.
public struct VatListener: Sendable {
    let server: NIOAsyncChannel<VatConnection, Never>
    /// The address actually bound: for `tcp:HOST:0`, the port the system picked.
    public let address: VatAddress
    /// What sturdy refs to this vat carry: the key digest, or `insecure` without TLS.
    public let authentication: SturdyRef.Authentication
    let logger: Logger

    /// The bound TCP port, or `nil` for a Unix socket.
    public var port: Int? {
        if case .tcp(_, let port) = address { return port }
        return nil
    }

    /// A sturdy ref to `serviceID` on this vat, as `Vat_config.sturdy_uri` makes them.
    ///
    /// - Parameter publicAddress: the address clients should dial (`--capnp-public-address`);
    ///   defaults to the bound address.
    public func sturdyRef(for serviceID: ServiceID, publicAddress: VatAddress? = nil) -> SturdyRef {
        SturdyRef(address: publicAddress ?? address, authentication: authentication, serviceID: serviceID)
    }

    /// Accepts connections until the listener is closed or the task cancelled, running
    /// `handler` for each in a child task once its TLS handshake succeeds. A failed handshake
    /// or a throwing handler is logged and ends that connection only.
    public func run(handler: @escaping @Sendable (NIORPCTransport) async throws -> Void) async throws {
        let logger = logger
        try await withConnections { connections in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in connections {
                    let remote = connection.remoteAddress
                    group.addTask {
                        do {
                            try await connection.run(handler)
                        } catch {
                            logger.info("Connection from \(remote) ended: \(error)")
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` with the stream of accepted connections, then closes the socket.
    ///
    /// Open each one with ``VatConnection/run(_:)``, in its own child task (e.g. of a
    /// `withThrowingDiscardingTaskGroup`) so one slow handshake does not hold up the others.
    public func withConnections<Result: Sendable>(
        _ body: (Connections) async throws -> Result
    ) async throws -> Result {
        try await server.executeThenClose { inbound in try await body(Connections(inbound: inbound)) }
    }

    /// The connections a listener accepts, in order; ends when the listener closes.
    public struct Connections: AsyncSequence {
        public typealias Element = VatConnection
        let inbound: NIOAsyncChannelInboundStream<VatConnection>

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: inbound.makeAsyncIterator())
        }

        /// Iterates over accepted connections.
        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: NIOAsyncChannelInboundStream<VatConnection>.AsyncIterator

            public mutating func next() async throws -> VatConnection? {
                try await base.next()
            }
        }
    }

    /// Stops accepting: the connection stream ends and ``run(handler:)`` returns once its
    /// connections finish.
    public func close() async {
        server.channel.close(promise: nil)
        try? await server.channel.closeFuture.get()
    }
}
