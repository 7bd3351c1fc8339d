// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A job handed to a worker: it has left every queue and can no longer be cancelled through the pool.
public struct PoolJob<Item: PoolItem>: Sendable {
    /// The ticket returned by `submit`.
    public let ticket: TicketID
    /// The submitted item.
    public let item: Item
    /// The client that submitted it.
    public let client: String
    /// Whether it was submitted as urgent.
    public let urgent: Bool
}

/// The answer to a worker's `pop`.
public enum PopOutcome<Item: PoolItem>: Sendable {
    /// The worker should run this job.
    case job(PoolJob<Item>)
    /// The worker has disconnected (ocluster's `Finished`; the RPC reports "Worker disconnected").
    case finished
}

/// The immediate result of Pool/pop(_:).
public enum PopResult<Item: PoolItem>: Sendable {
    /// Answered at once.
    case done(PopOutcome<Item>)
    /// Nothing is available yet; the answer will be reported by Pool/runWakeups() under this identifier.
    case pending(PopRequestID)
}

/// A previously pending `pop` that now has its answer.
public struct PopCompletion<Item: PoolItem>: Sendable {
    /// The request, as returned in PopResult/pending(_:).
    public let request: PopRequestID
    /// The worker registration that asked.
    public let worker: WorkerID
    /// The answer.
    public let outcome: PopOutcome<Item>
}
