// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import GRDB

extension SchedulerStore {
    /// Every stored queued job, oldest first.
    func queuedJobs() throws(SchedulerStoreError) -> [QueuedJobRecord] {
        try read("Loading the queued jobs") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, pool, client, urgent, cache_hint, descr, submitted, result, result_error \
                    FROM queued_jobs ORDER BY id
                    """
            )
            .map { row in
                QueuedJobRecord(
                    id: row[0],
                    pool: row[1],
                    client: row[2],
                    urgent: row[3],
                    cacheHint: row[4],
                    descr: [UInt8](row[5] as Data),
                    submitted: row[6],
                    result: Self.result(text: row[7], errorKind: row[8])
                )
            }
        }
    }

    /// A kept result from its columns: nil text, none (the job is queued or running); nil kind, a success.
    static func result(text: String?, errorKind: Int?) -> Result<String, RPCError>? {
        guard let text else { return nil }
        guard let errorKind else { return .success(text) }
        let kind = UInt16(exactly: errorKind).flatMap(RPCError.Kind.init(rawValue:)) ?? .failed
        return .failure(RPCError(kind, text))
    }

    static func queue(_ batch: QueueBatch, in db: Database) throws {
        let (inserts, deletes) = (batch.inserts, batch.deletes)
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO queued_jobs (id, pool, client, urgent, cache_hint, descr, submitted) \
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        )
        for job in inserts {
            try insert.execute(arguments: [
                job.id, job.pool, job.client, job.urgent, job.cacheHint, Data(job.descr), job.submitted,
            ])
        }
        let keep = try db.cachedStatement(sql: "UPDATE queued_jobs SET result = ?, result_error = ? WHERE id = ?")
        for (id, result) in batch.results {
            switch result {
            case .success(let output): try keep.execute(arguments: [output, nil, id])
            case .failure(let error): try keep.execute(arguments: [error.reason, Int(error.kind.rawValue), id])
            }
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM queued_jobs WHERE id = ?")
        for id in deletes {
            try delete.execute(arguments: [id])
        }
    }
}
