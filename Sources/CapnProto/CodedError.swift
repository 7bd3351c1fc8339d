// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An error made of a code, for programs to match on, and a message, for people.
///
/// Two such errors are equal when their codes are: the message may be worded differently from
/// one place to the next, and tests and callers match on the kind of failure.
public protocol CodedError: Error, Hashable, Sendable, CustomStringConvertible {
    associatedtype Code: Hashable & Sendable
    /// What kind of failure this is.
    var code: Code { get }
    /// A sentence for people saying what was wrong.
    var message: String { get }
}

extension CodedError {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
