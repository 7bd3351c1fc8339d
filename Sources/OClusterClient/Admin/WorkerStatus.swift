// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A worker a pool knows, as `PoolAdmin.workers` lists it.
public struct WorkerStatus: Sendable, Hashable, CustomStringConvertible {
    /// The worker's name.
    public var name: String
    /// Whether it takes jobs (not paused).
    public var active: Bool
    /// Whether it is connected now.
    public var connected: Bool

    /// A worker's state.
    public init(name: String, active: Bool, connected: Bool) {
        self.name = name
        self.active = active
        self.connected = connected
    }

    /// As ocluster's `pp_worker_info` prints it: `name`, `name (paused)`,
    /// `name (disconnected, paused)`.
    public var description: String {
        var notes = active ? [] : ["paused"]
        if !connected { notes.insert("disconnected", at: 0) }
        return notes.isEmpty ? name : "\(name) (\(notes.joined(separator: ", ")))"
    }
}
