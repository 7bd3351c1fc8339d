// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// An exception carried by the RPC protocol, or raised locally by a broken capability.
///
/// Mirrors rpc.capnp's `Exception`: a kind that tells a caller whether retrying can help, and a
/// reason for people. Any other error thrown by a server becomes the exception it chooses
/// (``RPCErrorConvertible``), or else `.failed` with its description.
///
/// A type of its own rather than a `CodedError`: unlike other coded errors, two exceptions are
/// equal only when their reasons are too, as the reason is what goes on the wire and tests compare
/// it byte for byte.
public struct RPCError: CodedErrorProtocol, RPCErrorConvertible {
    /// The exception types of rpc.capnp, with their wire values.
    public enum Kind: UInt16, Sendable, Hashable {
        /// Something went wrong; retrying will not help.
        case failed = 0
        /// A resource limit was hit; retrying later may help.
        case overloaded = 1
        /// The connection to the object broke.
        case disconnected = 2
        /// The method or message is not implemented.
        case unimplemented = 3
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind): \(reason)" }

    /// The kind, as a coded error's code.
    public var code: Kind { kind }
    /// The reason, as a coded error's message.
    public var message: String { reason }

    public static func == (lhs: RPCError, rhs: RPCError) -> Bool { lhs.kind == rhs.kind && lhs.reason == rhs.reason }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(reason)
    }

    /// Itself: an exception is sent as it is.
    public var rpcError: RPCError { self }

    /// An error as the peer should see it: the one place a thrown error becomes an exception.
    public static func from(_ error: any Error) -> RPCError {
        (error as? any RPCErrorConvertible)?.rpcError ?? RPCError(.failed, "\(error)")
    }
}

extension RPCError {
    init(reading exception: Exception.Reader) {
        let kind = Kind(rawValue: exception.type.rawValue) ?? .failed
        self.init(kind, (try? exception.reason) ?? "(unreadable reason)")
    }

    func write(to exception: Exception.Builder) {
        exception.type = Exception.Type_(rawValue: kind.rawValue)
        exception.reason = reason
    }
}
