// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One client in a ``PoolStatus``.
public struct ClientStatus: Sendable, Codable, Hashable {
    /// The client's id.
    public var id: String
    /// Its fair-share rate in the pool (1 unless set with `ocluster-admin set-rate`).
    public var rate: Double
    /// The fraction of the pool it gets when busy: its rate over the summed rates of the clients with jobs
    /// queued or running (itself counted even when idle).
    public var share: Double
    /// Its jobs waiting in the pool.
    public var queued: Int
    /// Its jobs running on the pool's workers.
    public var running: Int
    /// How far (seconds) its fair-queueing clock is ahead of now: the delay its next job starts with.
    public var delay: Double

    /// Creates a client's picture.
    public init(id: String, rate: Double, share: Double, queued: Int, running: Int, delay: Double) {
        self.id = id
        self.rate = rate
        self.share = share
        self.queued = queued
        self.running = running
        self.delay = delay
    }
}
