// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC

/// A request the pool refused. Over RPC it is `failed` with its message, as ocluster's.
public typealias PoolError = CodedError<PoolErrorCode>

/// A kind of ``PoolError``, for callers that react differently to each.
public enum PoolErrorCode: String, RPCErrorCode {
    /// A worker with this name is already connected.
    case nameTaken
    /// The worker is not known to this pool.
    case unknownWorker
    /// The worker cannot be forgotten while it is connected.
    case stillConnected
    /// The ticket is not waiting in any queue (already taken, cancelled or unknown).
    case notQueued
    /// The worker has disconnected; its queue cannot be used any more.
    case queueClosed
    /// A rate must be a finite number greater than zero.
    case invalidRate
    /// A worker's capacity cannot be negative.
    case invalidCapacity
    /// An inactive-reason set must not be empty.
    case invalidReason
}
