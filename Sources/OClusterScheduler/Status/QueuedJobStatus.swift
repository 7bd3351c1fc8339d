// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One waiting job in a ``PoolStatus``.
public struct QueuedJobStatus: Sendable, Codable, Hashable {
    /// The client that submitted it.
    public var client: String
    /// Whether it was submitted as urgent.
    public var urgent: Bool
    /// Its cache hint (empty if none).
    public var cacheHint: String
    /// Seconds since it was submitted.
    public var waiting: Double
    /// The worker whose local queue holds it, or nil while it waits in the pool's backlog.
    public var worker: String?

    /// Creates a waiting job's picture.
    public init(client: String, urgent: Bool, cacheHint: String, waiting: Double, worker: String?) {
        self.client = client
        self.urgent = urgent
        self.cacheHint = cacheHint
        self.waiting = waiting
        self.worker = worker
    }
}
