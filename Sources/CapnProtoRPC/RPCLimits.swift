// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Bounds on what one peer can make a connection hold, so that a peer (authenticated or not)
/// cannot grow the process without end.
public struct RPCLimits: Sendable, Hashable {
    /// Calls and Bootstraps of the peer's that may be outstanding at once (not yet finished by
    /// the peer's `Finish`) while it holds a capability of ours. One more aborts the connection.
    ///
    /// High, because a client legitimately keeps calls open for as long as its jobs run or wait
    /// (`Job.result`, `Job.log`): an OCurrent pipeline holds thousands on one connection, and
    /// ocluster sets no bound at all.
    public var maxAnswers: Int

    /// The same bound while the peer holds none of our capabilities (its Bootstraps named no
    /// service we have): all such a peer can do is fail, so a few suffice. Never above
    /// ``maxAnswers``.
    public var maxAnswersWithoutCapability: Int

    /// - Parameters:
    ///   - maxAnswers: see ``maxAnswers``; at least 1.
    ///   - maxAnswersWithoutCapability: see ``maxAnswersWithoutCapability``; at least 1.
    public init(maxAnswers: Int = 262_144, maxAnswersWithoutCapability: Int = 64) {
        self.maxAnswers = max(1, maxAnswers)
        self.maxAnswersWithoutCapability = min(max(1, maxAnswersWithoutCapability), self.maxAnswers)
    }

    /// The limits used when none are given.
    public static let `default` = RPCLimits()
}
