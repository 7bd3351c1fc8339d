// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

// First segment sizes for RPC messages. The C++ default (1024 words, 8 KiB) is sized for
// arbitrary messages; RPC messages are mostly a few dozen words, and a server may hold many
// under construction at once (every call suspended in its method holds its results), so they
// start small and grow a segment when a payload needs more.
extension MessageBuilder {
    /// Bootstrap, Finish, Release, Disembargo, Abort, exceptions: headers and a short text.
    static func rpcControl() -> MessageBuilder { MessageBuilder(firstSegmentWords: 32) }

    /// Calls and returns: a header, the capability table and the content.
    static func rpcPayload() -> MessageBuilder { MessageBuilder(firstSegmentWords: 128) }
}
