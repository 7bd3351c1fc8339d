// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A change to the pool's durable state, for a store to write (ocluster keeps these in SQLite).
///
/// The pool applies each change to its own PoolPersistedState and also queues it for
/// Pool/drainChanges(), so replaying the drained changes onto a saved state reproduces the pool's.
public enum PoolChange: Sendable, Hashable {
    /// The worker built (or was given) something with this hint: `INSERT OR REPLACE INTO cached`.
    /// Emitted on every such event, also for the empty hint, because ocluster refreshes the row's date.
    case markCached(hint: String, worker: String)
    /// A client's fair-share rate was set: `INSERT OR REPLACE INTO pool_user_rate`.
    case setRate(client: String, rate: Double)
    /// A client was removed: `DELETE FROM pool_user_rate`.
    case removeRate(client: String)
    /// A worker registered: `INSERT OR IGNORE INTO workers` (a known worker keeps its paused flag).
    case addWorker(name: String)
    /// An administrator paused or resumed a known worker: `UPDATE workers SET paused`.
    case setPaused(worker: String, paused: Bool)
    /// A disconnected worker was forgotten: `DELETE FROM workers` (its cache rows stay).
    case forgetWorker(name: String)
}

extension PoolChange {
    /// Whether the change may wait for a batched write: cache-hint records come with every assignment, and a
    /// database transaction for each would cost more than the decision itself.
    var canWait: Bool {
        if case .markCached = self { return true }
        return false
    }
}
