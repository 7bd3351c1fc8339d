// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One entry of Pool/knownWorkers(): a worker that has registered with the pool at some point.
public struct PoolWorkerInfo: Sendable, Hashable {
    /// The worker's name.
    public let name: String
    /// Connected: whether it currently has no inactive reasons. Disconnected: whether it is not admin-paused.
    public let active: Bool
    /// Whether the worker is connected now.
    public let connected: Bool

    /// Creates an entry.
    public init(name: String, active: Bool, connected: Bool) {
        self.name = name
        self.active = active
        self.connected = connected
    }
}
