// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

// How a connection refuses a peer that breaks the protocol or its limits.
extension RPCConnection {
    /// Whether the peer may open one more answer (a Call or Bootstrap); if not, the connection is
    /// aborted and false returned.
    func admitAnswer() -> Bool {
        // A peer that holds none of our capabilities has not named a service we have.
        let stranger = exports.isEmpty
        let limit = stranger ? limits.maxAnswersWithoutCapability : limits.maxAnswers
        guard answers.count >= limit else { return true }
        let holding = stranger ? ", from a peer holding none of our capabilities" : ""
        abort(
            RPCError(
                .overloaded,
                "too many calls outstanding on this connection (limit \(limit) without Finish\(holding))"
            )
        )
        return false
    }

    /// A Call to an export we never made or have dropped. capnp-rpc fails its table lookup and
    /// drops the connection with that failure as the Abort reason; so do we, with its text.
    func abortUnknownExport(_ id: UInt32) {
        abort(RPCError(.failed, "Failure(\"Key \(id) is no longer allocated!\")"))
    }

    /// A Call pipelined on a question the peer never asked or has finished (capnp-rpc's text).
    func abortUnknownAnswer(_ id: UInt32) {
        abort(RPCError(.failed, "Failure(\"Key \(id) not found in table\")"))
    }

    /// Tells the peer why the connection ends (an Abort carrying `error`), then ends it.
    func abort(_ error: RPCError) {
        let message = MessageBuilder.rpcControl()
        error.write(to: message.initRoot(Message.Builder.self).initAbort())
        transmit(message)
        disconnect(error)
    }

    /// Ends the connection with an Abort carrying `error` (a network layer enforcing a limit of its
    /// own, such as a connection count). The reason is logged.
    public func abortConnection(_ error: RPCError) {
        abort(error)
    }

    /// An Abort frame carrying `error`, for a transport that must refuse a peer before any engine
    /// runs on the connection (a connection limit, a read timeout).
    public static func abortFrame(_ error: RPCError) -> [UInt8] {
        let message = MessageBuilder.rpcControl()
        error.write(to: message.initRoot(Message.Builder.self).initAbort())
        return message.serialize()
    }
}
