// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation

/// A request the scheduler refused, with the message ocluster gives for the same case.
///
/// The RPC services turn it into a capnp exception of type `failed` whose reason is ``message``.
public struct SchedulerError: CodedError {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Hashable {
        /// No pool has that name.
        case unknownPool
        /// The pool has never seen a worker of that name (or it is not connected, where that is required).
        case unknownWorker
        /// A worker of that name is already connected.
        case nameTaken
        /// The client id has no submission endpoint.
        case unknownClient
        /// The client id already has a submission endpoint.
        case clientAlreadyRegistered
        /// The submission endpoint was removed.
        case revoked
        /// A parameter was missing or out of range.
        case invalidArgument
        /// The ticket was cancelled or released before a worker took the job.
        case cancelled
        /// A worker did not come back in time after a restart, or a database write did not commit in time.
        case timeout
        /// The worker went away.
        case workerDisconnected
        /// The database failed.
        case store
        /// Any other refusal from the pool.
        case pool
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable explanation (returned over RPC).
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// The capnp exception a client sees.
    public var rpcError: RPCError { RPCError(.failed, message) }

    init(_ error: PoolError) {
        switch error.code {
        case .nameTaken: self.init(.nameTaken, error.message)
        case .unknownWorker, .stillConnected: self.init(.unknownWorker, error.message)
        case .invalidRate, .invalidCapacity, .invalidReason: self.init(.invalidArgument, error.message)
        case .queueClosed: self.init(.workerDisconnected, error.message)
        case .notQueued: self.init(.pool, error.message)
        }
    }

    init(_ error: SchedulerStoreError) {
        switch error.code {
        case .clientAlreadyRegistered: self.init(.clientAlreadyRegistered, error.message)
        case .unknownClient: self.init(.unknownClient, error.message)
        case .timeout: self.init(.timeout, error.message)
        default: self.init(.store, error.message)
        }
    }
}
