// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import NIOCore
import NIOSSL
import NIOTLS

/// Sits behind an `NIOSSLHandler` and completes a future with the peer's key digest once the
/// handshake is done, or fails it with a clear ``NetworkError`` (key mismatch, no client
/// certificate, timeout, closed).
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<SturdyRef.Authentication>
    private let verdict: VerificationVerdict
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var done = false

    /// The peer's identity once the handshake succeeds.
    var future: EventLoopFuture<SturdyRef.Authentication> { promise.futureResult }

    init(promise: EventLoopPromise<SturdyRef.Authentication>, verdict: VerificationVerdict, timeout: TimeAmount) {
        self.promise = promise
        self.verdict = verdict
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(NetworkError(.tlsHandshakeFailed, "TLS handshake timed out after \(handler.timeout)"))
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(NetworkError(.connectionClosed, "connection closed during the TLS handshake"))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !done {
            done = true
            timer?.cancel()
            if let peer = verdict.peer {
                promise.succeed(.sha256(peer))
            } else {
                fail(NetworkError(.tlsHandshakeFailed, "handshake completed without a verified peer key"))
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let failure = verdict.failure {
            fail(failure)
        } else if "\(error)".contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            fail(NetworkError(.missingClientCertificate, "no client certificate found", cause: error))
        } else {
            fail(NetworkError(.tlsHandshakeFailed, "TLS connection failed: \(error)", cause: error))
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(verdict.failure ?? NetworkError(.connectionClosed, "connection closed during the TLS handshake"))
        context.fireChannelInactive()
    }

    private func fail(_ error: NetworkError) {
        guard !done else { return }
        done = true
        timer?.cancel()
        promise.fail(error)
    }
}
