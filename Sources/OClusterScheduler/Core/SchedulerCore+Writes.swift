// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Logging

extension SchedulerCore {
    /// An administrator's change to a pool, worked out but not made: made in memory only once the store has
    /// committed ``changes``.
    struct PoolPlan: Sendable {
        let pool: String
        /// The pool's pending changes, then the ones the operation records.
        let changes: [PoolChange]
        /// The number just past the pending changes (see ``PoolWrites``).
        let end: UInt64
        /// The changes the operation records.
        let added: [PoolChange]
    }

    /// A pool operation, run once on a copy (to plan) and once for real.
    typealias PoolOperation = @Sendable (inout Pool<SchedulerItem, WallClock>) throws(PoolError) -> Void

    /// Runs `operation` on a copy of the pool: its refusal, or the changes it would record. Nothing changes.
    func plan(pool name: String, _ operation: PoolOperation) throws(SchedulerError) -> PoolPlan {
        guard let state = pools[name] else { throw SchedulerError(.unknownPool, "No such pool") }
        var copy = state.pool
        let pending = copy.changes.count
        do {
            try operation(&copy)
        } catch {
            throw SchedulerError(error)
        }
        return PoolPlan(
            pool: name,
            changes: copy.changes,
            end: writes[name, default: PoolWrites()].base + UInt64(pending),
            added: Array(copy.changes[pending...])
        )
    }

    /// Makes a planned change in memory once the store committed it. If the pool changed meanwhile so that the
    /// operation no longer applies, the database is ahead of memory until the next change; that is logged.
    func applyCommitted(_ plan: PoolPlan, _ operation: PoolOperation) {
        let name = plan.pool
        guard pools[name] != nil else { return }
        changesWritten(pool: name, upTo: plan.end)
        let before = pools[name]!.pool.changes.count
        do {
            try operation(&pools[name]!.pool)
        } catch {
            logger.warning("Pool \(name): a committed change no longer applies in memory: \(error)")
        }
        // Written already: drop them rather than write them again (if they are what was planned).
        if Array(pools[name]!.pool.changes[before...]) == plan.added {
            pools[name]!.pool.dropNewestChanges(plan.added.count)
        }
        settle(name)
    }

    /// Every change of the pool numbered below `end` is committed: forget them.
    func changesWritten(pool name: String, upTo end: UInt64) {
        guard pools[name] != nil else { return }
        let base = writes[name, default: PoolWrites()].base
        guard end > base else { return }
        let count = min(Int(end - base), pools[name]!.pool.changes.count)
        pools[name]!.pool.dropChanges(count)
        writes[name, default: PoolWrites()].base = base + UInt64(count)
    }

    /// Sends the pool's pending changes to the store, unless a write is on its way (then again after it).
    func writePending(_ name: String) {
        guard let state = pools[name] else { return }
        if writes[name, default: PoolWrites()].inFlight {
            writes[name, default: PoolWrites()].again = true
            return
        }
        let changes = state.pool.changes
        guard !changes.isEmpty else { return }
        let end = writes[name, default: PoolWrites()].base + UInt64(changes.count)
        writes[name, default: PoolWrites()].inFlight = true
        writes[name, default: PoolWrites()].again = false
        if let writeChanges {
            writeChanges(name, changes, end)
        } else {
            do {
                try store.apply(changes, toPool: name)
                changesWritten(pool: name, upTo: end, ok: true)
            } catch {
                logger.error("Cannot save the state of pool \(name): \(error)")
                changesWritten(pool: name, upTo: end, ok: false)
            }
        }
    }

    /// A batched write finished. A failed one was logged by the writer; its changes stay pending and go
    /// with the next write (the pool keeps working from memory meanwhile; ocluster would raise instead).
    func changesWritten(pool name: String, upTo end: UInt64, ok: Bool) {
        guard pools[name] != nil else { return }
        writes[name, default: PoolWrites()].inFlight = false
        if ok { changesWritten(pool: name, upTo: end) }
        if writes[name]!.again, ok {
            writePending(name)
        }
    }

    /// Whether some pool, or the queue, has changes not yet committed (or a write on its way).
    var hasPendingWrites: Bool {
        queue.inFlight != nil || !queue.next.isEmpty
            || poolNames.contains { name in
                writes[name]?.inFlight == true || pools[name]?.inspect({ !$0.changes.isEmpty }) == true
            }
    }
}
