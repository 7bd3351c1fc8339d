// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import NIOCore
import NIOSSL

/// Closes the connection on any error in the pipeline (a malformed frame, a TLS failure), so a
/// hostile peer cannot keep a connection the reader has given up on. A TLS peer that hangs up
/// without `close_notify` counts as an ordinary end of stream.
final class CloseOnErrorHandler: ChannelInboundHandler {
    typealias InboundIn = MessageReader

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            context.close(promise: nil)
            return
        }
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}
