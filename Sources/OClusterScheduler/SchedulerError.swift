// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation

/// A request the scheduler refused, with the message ocluster gives for the same case.
///
/// A service lets it propagate: the RPC engine sends it as a capnp exception of type `failed` whose
/// reason is its message (its codes are an `RPCErrorCode`).
public typealias SchedulerError = CodedError<SchedulerErrorCode>

/// A kind of ``SchedulerError``.
public enum SchedulerErrorCode: String, RPCErrorCode {
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

extension SchedulerError {
    /// The pool's refusal, as the scheduler reports it.
    init(_ error: PoolError) {
        let code: Code =
            switch error.code {
            case .nameTaken: .nameTaken
            case .unknownWorker, .stillConnected: .unknownWorker
            case .invalidRate, .invalidCapacity, .invalidReason: .invalidArgument
            case .queueClosed: .workerDisconnected
            case .notQueued: .pool
            }
        self.init(code, error.message, cause: error)
    }

    /// The store's failure, as the scheduler reports it.
    init(_ error: SchedulerStoreError) {
        let code: Code =
            switch error.code {
            case .clientAlreadyRegistered: .clientAlreadyRegistered
            case .unknownClient: .unknownClient
            case .timeout: .timeout
            default: .store
            }
        self.init(code, error.message, cause: error)
    }
}
