// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// The jobs a sturdy ref may name, by job number: those restored after a restart, and those whose ticket or
/// job was saved (`Persistent.save`). Read off the actor, by the vat's restorer, which must answer at once.
///
/// Jobs are held weakly: one that finished or was cancelled is gone with its last holder, and its refs no
/// longer resolve.
final class SavedTickets: Sendable {
    /// What a job's sturdy ref restores to: its `Ticket`, or its `Job` (the ticket's `job`).
    enum Kind: String, Sendable, CaseIterable {
        case ticket
        case job
    }

    private let table = Mutex<Table>(Table())
    /// Writes the URI of a job's ref; set by ``SchedulerServices`` (nil: no vat, so no refs).
    private let uriMaker = Mutex<(@Sendable (Int64, Kind) -> String?)?>(nil)

    private struct Table {
        var entries: [Int64: Entry] = [:]
        /// The size at the last sweep of gone jobs: sweeping again at twice that keeps it amortized.
        var swept = 64
    }

    private struct Entry {
        weak var item: SchedulerItem?
        let client: String
    }

    /// Sets how a saved job's ref URI is written.
    func setURIMaker(_ make: @escaping @Sendable (_ jobID: Int64, Kind) -> String?) {
        uriMaker.withLock { $0 = make }
    }

    /// Saves the job's `kind`: from now on its refs resolve (while the job and its client last). Returns the
    /// ref's URI, or nil if the vat has no public address.
    func save(_ item: SchedulerItem, client: String, as kind: Kind) -> String? {
        add(item, client: client)
        return uri(jobID: item.jobID, kind)
    }

    /// The URI of a job's ref, which resolves only while the job is saved and lasts.
    func uri(jobID: Int64, _ kind: Kind) -> String? {
        uriMaker.withLock { $0 }?(jobID, kind) ?? nil
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
