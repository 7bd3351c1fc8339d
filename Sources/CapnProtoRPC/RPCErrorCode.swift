// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// The codes of a domain whose errors a server lets reach its callers: each such `CodedError` is
/// sent as the exception its domain chooses, by default `failed` with its message, which is how
/// ocluster's services refuse a request.
///
/// The choice goes through the codes because a generic type has one conformance to a protocol:
/// `CodedError` is ``RPCErrorConvertible`` exactly when its codes adopt this protocol.
public protocol RPCErrorCode: ErrorCode {
    /// The exception a caller sees for `error`.
    static func rpcError(for error: CodedError<Self>) -> RPCError
}

extension RPCErrorCode {
    /// `failed` with the message.
    public static func rpcError(for error: CodedError<Self>) -> RPCError { RPCError(.failed, error.message) }
}

extension CodedError: RPCErrorConvertible where Code: RPCErrorCode {
    /// The exception the domain chooses (``RPCErrorCode/rpcError(for:)``).
    public var rpcError: RPCError { Code.rpcError(for: self) }
}
