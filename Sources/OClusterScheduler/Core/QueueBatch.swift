// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC

/// One write of the queued jobs' rows: rows added, results kept, rows removed, in that order and in one
/// transaction (a job may come and go within one batch).
struct QueueBatch: Sendable {
    /// Rows to add, in job order.
    var inserts: [QueuedJobRecord] = []
    /// Jobs that finished while their client still held them: each row keeps the result until the client lets
    /// go, so that a client reattaching after a restart still gets it.
    var results: [Int64: Result<String, RPCError>] = [:]
    /// Rows to remove (the job was cancelled, or its client has let go of it).
    var deletes: [Int64] = []

    var isEmpty: Bool { inserts.isEmpty && results.isEmpty && deletes.isEmpty }

    /// What a failed write must carry again: its results and removals (a failed insert's job is cancelled
    /// instead), before the newer ones.
    func retried(before newer: QueueBatch) -> QueueBatch {
        QueueBatch(
            inserts: newer.inserts,
            results: results.merging(newer.results) { _, new in new },
            deletes: deletes + newer.deletes
        )
    }
}
