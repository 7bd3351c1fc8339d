// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Identifies one queued job for the lifetime of a Pool.
///
/// Values increase with submission order, which is the final tie-break between equal priorities.
public struct TicketID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The submission sequence number.
    public let rawValue: UInt64

    init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Submission order.
    public static func < (lhs: TicketID, rhs: TicketID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// For logs.
    public var description: String { "ticket#\(rawValue)" }
}

/// Identifies one registration (connection) of a worker.
///
/// A worker that reconnects under the same name gets a new identifier, so a stale session can never act on
/// the new one.
public struct WorkerID: Hashable, Sendable, CustomStringConvertible {
    /// The registration sequence number.
    public let rawValue: UInt64

    init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// For logs.
    public var description: String { "worker#\(rawValue)" }
}

/// Identifies a `pop` request that could not be answered at once.
public struct PopRequestID: Hashable, Sendable, CustomStringConvertible {
    /// The request sequence number.
    public let rawValue: UInt64

    init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// For logs.
    public var description: String { "pop#\(rawValue)" }
}
