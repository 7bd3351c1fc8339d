// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Bounds on what one peer can make a connection hold, so that a peer (authenticated or not)
/// cannot grow the process without end.
public struct RPCLimits: Sendable, Hashable {
    /// Calls and Bootstraps of the peer's that may be outstanding at once (not yet finished by
    /// the peer's `Finish`). One more aborts the connection.
    public var maxAnswers: Int

    /// - Parameter maxAnswers: see ``maxAnswers``; at least 1.
    public init(maxAnswers: Int = 8192) {
        self.maxAnswers = max(1, maxAnswers)
    }

    /// The limits used when none are given.
    public static let `default` = RPCLimits()
}
