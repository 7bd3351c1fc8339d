// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An error that chooses the exception a caller sees when a server method throws it.
///
/// The engine asks every error a server throws for its exception in one place
/// (``RPCError/from(_:)``), so a service lets its domain errors propagate instead of mapping
/// them at each call site. A `CodedError` conforms when its codes are an ``RPCErrorCode``; an
/// error that does not conform at all becomes `failed` with its description.
public protocol RPCErrorConvertible: Error {
    /// The exception sent to the caller.
    var rpcError: RPCError { get }
}
