// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One worker in a ``PoolStatus``.
public struct WorkerStatus: Sendable, Codable, Hashable {
    /// Whether a worker is taking jobs.
    public enum State: String, Sendable, Codable, Hashable {
        /// Connected and taking jobs.
        case active
        /// Connected but not taking jobs (see ``WorkerStatus/reasons``).
        case paused
        /// Not connected.
        case inactive
    }

    /// The worker's name.
    public var name: String
    /// Whether it is taking jobs.
    public var state: State
    /// Why it is not, as ocluster words them: `worker pause`, `admin pause`, `shutting down`, `disconnected`.
    /// Empty when active.
    public var reasons: [String]
    /// Jobs it has taken and not yet finished.
    public var running: Int
    /// How many jobs it runs at once, as it registered (nil when not connected).
    public var capacity: Int?
    /// Jobs placed on its local queue and not yet taken.
    public var queued: Int
    /// When the scheduler last heard from it (registration, a job taken or finished, disconnection); nil if
    /// not since this scheduler process started.
    public var lastSeen: Double?

    /// Creates a worker's picture.
    public init(
        name: String,
        state: State,
        reasons: [String],
        running: Int,
        capacity: Int?,
        queued: Int,
        lastSeen: Double?
    ) {
        self.name = name
        self.state = state
        self.reasons = reasons
        self.running = running
        self.capacity = capacity
        self.queued = queued
        self.lastSeen = lastSeen
    }
}
