// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What every error of the project has: a code, for programs to match on, a message, for people,
/// and the error it wraps, if any.
///
/// Most errors are a ``CodedError`` (one struct, a domain's codes as its parameter). The few that
/// carry more (a spec position, an exit or `errno` status, how to print a usage error, a wire
/// exception's reason) are types of their own that adopt this protocol.
///
/// Two such errors are equal when their codes are: the message may be worded differently from
/// one place to the next, and tests and callers match on the kind of failure. The cause is for
/// logs and debugging, never part of equality.
public protocol CodedErrorProtocol: Error, Hashable, Sendable, CustomStringConvertible {
    associatedtype Code: Hashable & Sendable
    /// What kind of failure this is.
    var code: Code { get }
    /// A sentence for people saying what was wrong.
    var message: String { get }
    /// The error this one wraps (a system call's, a database's, a lower layer's), if any.
    var cause: (any Error)? { get }
}

extension CodedErrorProtocol {
    /// No cause: the default for errors that do not wrap another.
    public var cause: (any Error)? { nil }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
