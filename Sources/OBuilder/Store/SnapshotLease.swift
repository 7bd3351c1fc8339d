// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// Snapshots a build is still using (its steps' results and its nested builds), which pruning
/// must leave alone until ``SnapshotStore/release(_:)``.
public final class SnapshotLease: Sendable {
    private let ids = Mutex<[String]>([])

    public init() {}

    func add(_ id: String) { ids.withLock { $0.append(id) } }

    func takeAll() -> [String] {
        ids.withLock { ids in
            defer { ids = [] }
            return ids
        }
    }
}
