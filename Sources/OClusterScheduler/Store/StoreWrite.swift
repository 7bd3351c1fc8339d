// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import GRDB

/// One transaction the scheduler asks its ``StoreWriter`` for.
enum StoreWrite: Sendable {
    /// Pool changes (each pool's in order), as ``SchedulerStore/apply(_:)`` writes them.
    case poolChanges([String: [PoolChange]])
    /// A new client endpoint, as ``SchedulerStore/addClient(_:serviceID:)`` writes it.
    case addClient(String, serviceID: [UInt8])
    /// A revoked client endpoint and its pool changes, as ``SchedulerStore/removeClient(_:applying:)``.
    case removeClient(String, [String: [PoolChange]])
    /// Jobs queued (their rows added), finished (their results kept) and gone (their rows removed).
    case queue(QueueBatch)

    /// What the store was doing, for error messages.
    var context: String {
        switch self {
        case .poolChanges(let changes):
            let pools = changes.keys.sorted().joined(separator: ", ")
            return "Saving \(changes.values.map(\.count).reduce(0, +)) change(s) to pool \(pools)"
        case .addClient(let id, _): return "Adding client \(id)"
        case .removeClient(let id, _): return "Removing client \(id)"
        case .queue(let batch):
            return
                "Saving \(batch.inserts.count) queued, \(batch.results.count) finished, \(batch.deletes.count) gone job(s)"
        }
    }

    func run(in db: Database) throws {
        switch self {
        case .poolChanges(let changesByPool):
            for (pool, changes) in changesByPool {
                try SchedulerStore.apply(changes, toPool: pool, in: db)
            }
        case .addClient(let id, let serviceID):
            try SchedulerStore.insertClient(id, serviceID: serviceID, in: db)
        case .removeClient(let id, let changesByPool):
            try SchedulerStore.deleteClient(id, applying: changesByPool, in: db)
        case .queue(let batch):
            try SchedulerStore.queue(batch, in: db)
        }
    }
}

extension SchedulerStore {
    /// Runs `change` in one transaction; rolls it back instead of committing if `ticket` was abandoned
    /// meanwhile (its caller timed out), and then fails with `.timeout`.
    func perform(_ change: StoreWrite, ticket: StoreWriter.Ticket? = nil) throws(SchedulerStoreError) {
        try write(change.context) { db in
            try change.run(in: db)
            if let ticket, ticket.isAbandoned {
                throw SchedulerStoreError(.timeout, "\(change.context): abandoned by its caller, rolled back")
            }
        }
    }
}
