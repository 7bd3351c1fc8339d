// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A two-way channel of whole Cap'n Proto messages between two vats.
///
/// The RPC engine knows nothing of sockets, TLS or framing: the network layer (or an in-memory
/// pair in tests) implements this. Messages go out as serialized frames (standard framing,
/// segment table included) and come in as readers over frames already checked by
/// ``Framing``.
public protocol RPCTransport: Sendable {
    /// Sends one framed message. Throws once the transport is closed or broken.
    func send(frame: [UInt8]) async throws

    /// The messages the peer sends, in order. Ends normally when the peer closes the
    /// connection, and with an error when it breaks or sends a malformed frame.
    var incoming: AsyncThrowingStream<MessageReader, any Error> { get }

    /// Closes the connection; pending and later `send`s fail, `incoming` ends.
    func close() async
}
