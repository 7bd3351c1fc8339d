// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// The jobs whose ticket a sturdy ref may name, by job number: those restored after a restart, and those whose
/// ticket was saved (`Persistent.save`). Read off the actor, by the vat's restorer, which must answer at once.
///
/// Jobs are held weakly: one that finished or was cancelled is gone with its last holder, and its ref no
/// longer resolves.
final class SavedTickets: Sendable {
    private let table = Mutex<Table>(Table())

    private struct Table {
        var entries: [Int64: Entry] = [:]
        /// The size at the last sweep of gone jobs: sweeping again at twice that keeps it amortized.
        var swept = 64
    }

    private struct Entry {
        weak var item: SchedulerItem?
        let client: String
    }

    func add(_ item: SchedulerItem, client: String) {
        table.withLock { table in
            table.entries[item.jobID] = Entry(item: item, client: client)
            guard table.entries.count > 2 * table.swept else { return }
            table.entries = table.entries.filter { $0.value.item != nil }
            table.swept = max(64, table.entries.count)
        }
    }

    /// The job and its client, if it is still known.
    func lookup(_ jobID: Int64) -> (item: SchedulerItem, client: String)? {
        table.withLock { table in
            guard let entry = table.entries[jobID] else { return nil }
            guard let item = entry.item else {
                table.entries[jobID] = nil
                return nil
            }
            return (item, entry.client)
        }
    }
}
