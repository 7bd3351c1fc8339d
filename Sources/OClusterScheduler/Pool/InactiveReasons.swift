// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Why a worker's queue is not accepting jobs. A worker is active only when the set is empty.
public struct InactiveReasons: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The bit set (worker = 1, admin pause = 2, shutting down = 4, as in ocluster).
    public let rawValue: Int

    /// Creates a set from its bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The worker paused itself, has not activated yet, or has disconnected.
    public static let worker = InactiveReasons(rawValue: 1)
    /// An administrator paused it; this one survives reconnection.
    public static let adminPause = InactiveReasons(rawValue: 2)
    /// An administrator is restarting it (`update`); not persisted.
    public static let adminShutdown = InactiveReasons(rawValue: 4)

    /// "active", or the reasons in a fixed order joined by ", " (as ocluster prints them).
    public var description: String {
        isEmpty ? "active" : names.joined(separator: ", ")
    }

    /// Each reason in words, in a fixed order (empty when active).
    public var names: [String] {
        var parts: [String] = []
        if contains(.worker) { parts.append("worker pause") }
        if contains(.adminPause) { parts.append("admin pause") }
        if contains(.adminShutdown) { parts.append("shutting down") }
        return parts
    }
}
