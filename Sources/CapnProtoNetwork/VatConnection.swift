// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import NIOCore
import NIOSSL

/// An open connection whose TLS handshake may still be under way.
///
/// ``VatListener`` yields one per accepted socket; ``VatNetwork/connect(to:_:)`` makes one per
/// dial. ``run(_:)`` waits for the handshake, hands the body an ``NIORPCTransport`` and closes
/// the connection when the body returns or throws.
public struct VatConnection: Sendable {
    let channel: any Channel
    let incoming: IncomingMessages
    let inbound: InboundFrameHandler
    /// Whether a listener accepted it (we serve) rather than we dialed it (we call).
    let accepted: Bool
    let handshake: EventLoopFuture<SturdyRef.Authentication>
    /// The peer's socket address as it was when the connection opened, for logs.
    public let remoteAddress: String

    /// Waits for the TLS handshake (if any), then runs `body` with the transport.
    ///
    /// - Throws: the TLS failure as a ``NetworkError`` (e.g. ``NetworkErrorCode/peerKeyMismatch``),
    ///   or whatever `body` throws. The connection is closed either way.
    public func run<Result: Sendable>(
        _ body: (NIORPCTransport) async throws -> Result
    ) async throws -> Result {
        let peer: SturdyRef.Authentication
        do {
            peer = try await handshake.get()
        } catch {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
            throw error
        }
        let transport = NIORPCTransport(
            incoming: incoming,
            inbound: inbound,
            writer: FrameWriter(channel: channel),
            peer: peer,
            engineOnEventLoop: accepted
        )
        do {
            let result = try await body(transport)
            await transport.close()
            return result
        } catch {
            await transport.close()
            throw error
        }
    }

    /// Sets up framing (and TLS, if `tls` is given) on a fresh channel. Runs on its event loop.
    static func configure(
        _ channel: any Channel,
        tls: NIOSSLHandler?,
        verdict: VerificationVerdict,
        options: ReaderOptions,
        handshakeTimeout: TimeAmount,
        deadlines: ReadDeadlineHandler.Settings,
        accepted: Bool
    ) throws -> VatConnection {
        let handshake: EventLoopFuture<SturdyRef.Authentication>
        let pipeline = channel.pipeline.syncOperations
        if let tls {
            let waiter = TLSHandshakeWaiter(
                promise: channel.eventLoop.makePromise(),
                verdict: verdict,
                timeout: handshakeTimeout
            )
            try pipeline.addHandlers(tls, waiter)
            handshake = waiter.future
        } else {
            handshake = channel.eventLoop.makeSucceededFuture(.insecure)
        }
        // After CloseOnErrorHandler, which turns a TLS hang-up without close_notify into an
        // ordinary end of stream.
        let metrics = NetworkMetrics.shared
        metrics.connectionOpened()
        channel.closeFuture.whenComplete { _ in metrics.connectionClosed() }
        let (inbound, incoming) = InboundFrameHandler.make(eventLoop: channel.eventLoop)
        try pipeline.addHandlers(
            ByteToMessageHandler(FrameDecoder(options: options)),
            deadlines.makeHandler(),
            CloseOnErrorHandler(),
            inbound
        )
        return VatConnection(
            channel: channel,
            incoming: incoming,
            inbound: inbound,
            accepted: accepted,
            handshake: handshake,
            remoteAddress: channel.remoteAddress.map { "\($0)" } ?? "?"
        )
    }
}
