// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The kinds of failure of one domain, which make that domain's ``CodedError``.
///
/// A public domain's codes are a struct over a private enum, so that adding a kind is not a
/// breaking change; a domain whose callers switch over every kind uses a public enum.
public protocol ErrorCode: Hashable, Sendable {
    /// How an error of this domain prints (its `description`, in logs and on stderr).
    ///
    /// By default the message alone. A domain whose errors surface far from where they arise
    /// names itself and the code: `NetworkError.peerKeyMismatch: …`.
    static func describe(_ error: CodedError<Self>) -> String
}

extension ErrorCode {
    /// The message alone.
    public static func describe(_ error: CodedError<Self>) -> String { error.message }
}
