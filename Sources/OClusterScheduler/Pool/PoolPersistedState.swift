// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The part of a pool's state that outlives a scheduler restart.
///
/// A store loads this at start-up, passes it to Pool/init(name:clock:persisted:) and then writes the
/// PoolChange values the pool reports.
public struct PoolPersistedState: Sendable, Equatable {
    /// Cache hint → the workers that have built it, sorted by byte order (as SQLite's BINARY collation).
    public private(set) var cachedWorkers: [String: [String]] = [:]
    /// Client → fair-share rate; absent means 1.
    public private(set) var rates: [String: Double] = [:]
    /// Known worker → whether an administrator paused it.
    public private(set) var workers: [String: Bool] = [:]

    /// An empty state (a new database).
    public init() {}

    /// Builds the state from stored rows.
    public init(cached: [(hint: String, worker: String)], rates: [String: Double], workers: [String: Bool]) {
        for row in cached { apply(.markCached(hint: row.hint, worker: row.worker)) }
        self.rates = rates
        self.workers = workers
    }

    /// Applies one change, with the same effect the SQL statement has on the tables.
    public mutating func apply(_ change: PoolChange) {
        switch change {
        case .markCached(let hint, let worker):
            var names = cachedWorkers[hint] ?? []
            let index = names.insertionIndex(of: worker)
            if index == names.count || names[index] != worker {
                names.insert(worker, at: index)
                cachedWorkers[hint] = names
            }
        case .setRate(let client, let rate):
            rates[client] = rate
        case .removeRate(let client):
            rates[client] = nil
        case .addWorker(let name):
            if workers[name] == nil { workers[name] = false }
        case .setPaused(let worker, let paused):
            if workers[worker] != nil { workers[worker] = paused }
        case .forgetWorker(let name):
            workers[name] = nil
        }
    }
}

extension [String] {
    /// Where `name` belongs in this byte-ordered array (binary search).
    func insertionIndex(of name: String) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid].bytePrecedes(name) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension String {
    /// Byte-wise UTF-8 ordering, as OCaml's `String.compare` and SQLite's BINARY collation use.
    func bytePrecedes(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
