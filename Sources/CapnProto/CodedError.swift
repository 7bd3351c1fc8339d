// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An error made of a code, for programs to match on, a message, for people, and the error it
/// wraps, if any: the one shape of the project's errors.
///
/// A domain declares its kinds of failure as a type adopting ``ErrorCode`` and names its error
/// after it, so every domain's error is this struct and only the codes differ:
///
/// ```swift
/// public typealias NetworkError = CodedError<NetworkErrorCode>
///
/// throw NetworkError(.invalidSturdyRef, "expected capnp://…", cause: error)
/// catch let error as NetworkError where error.code == .peerKeyMismatch { … }
/// ```
///
/// Two errors are equal when their codes are (``CodedErrorProtocol``). How one reads is the
/// domain's choice (``ErrorCode/describe(_:)``), and so is the RPC exception it becomes
/// (`RPCErrorCode`, in CapnProtoRPC).
public struct CodedError<Code: ErrorCode>: CodedErrorProtocol {
    /// What kind of failure this is.
    public var code: Code
    /// A sentence for people saying what was wrong.
    public var message: String
    /// The error this one wraps (a system call's, a database's, a lower layer's), if any.
    public var cause: (any Error)?

    /// An error of kind `code`, worded `message`, wrapping `cause`.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The error as its domain prints it: the message, unless the domain says otherwise.
    public var description: String { Code.describe(self) }
}
