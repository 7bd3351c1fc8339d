// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import GRDB

extension SchedulerStore {
    /// Every stored queued job, oldest first.
    func queuedJobs() throws(SchedulerStoreError) -> [QueuedJobRecord] {
        try read("Loading the queued jobs") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, pool, client, urgent, cache_hint, descr, submitted FROM queued_jobs ORDER BY id"
            )
            .map { row in
                QueuedJobRecord(
                    id: row[0],
                    pool: row[1],
                    client: row[2],
                    urgent: row[3],
                    cacheHint: row[4],
                    descr: [UInt8](row[5] as Data),
                    submitted: row[6]
                )
            }
        }
    }

    static func queue(_ inserts: [QueuedJobRecord], removing deletes: [Int64], in db: Database) throws {
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
        let delete = try db.cachedStatement(sql: "DELETE FROM queued_jobs WHERE id = ?")
        for id in deletes {
            try delete.execute(arguments: [id])
        }
    }
}
