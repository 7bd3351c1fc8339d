// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What the scheduler core keeps about retried jobs and dropped workers, for requeueing and for admin `show`.
struct RetryLedger {
    /// A job that has lost a worker at least once and has not ended yet.
    struct Retry {
        let pool: String
        let label: String
        /// The attempt running now, or about to start (from 2).
        var attempt: Int
        let maxAttempts: Int
        /// The worker running the attempt; nil while queued.
        var worker: String?
        /// Why the previous attempt ended: "WORKER lost (REASON)".
        var lastLoss: String
    }

    /// Jobs queued again after losing a worker, by job: the client's attempts, resumed by the next worker.
    var queued: [ObjectIdentifier: (item: SchedulerItem, attempts: JobAttempts)] = [:]
    /// Every job in its second or later attempt, by job.
    var retries: [ObjectIdentifier: Retry] = [:]
    /// Why each pool's workers were last dropped by the scheduler (by worker name), e.g. not answering pings.
    var dropped: [String: [String: String]] = [:]

    /// The lines admin `show` appends for `pool` (none when nothing was retried or dropped, so that the text
    /// stays ocluster's).
    func showLines(pool: String) -> [String] {
        var lines: [String] = []
        let current = retries.values.filter { $0.pool == pool }.sorted { $0.label.bytePrecedes($1.label) }
        if !current.isEmpty {
            lines.append("retried:")
            for retry in current {
                let place = retry.worker.map { "running on \($0)" } ?? "queued"
                lines.append(
                    "  \(retry.label) attempt \(retry.attempt) of \(retry.maxAttempts), \(place) "
                        + "(\(retry.lastLoss))"
                )
            }
        }
        if let dropped = dropped[pool], !dropped.isEmpty {
            lines.append("dropped:")
            for name in dropped.keys.sorted(by: { $0.bytePrecedes($1) }) {
                lines.append("  \(name): \(dropped[name]!)")
            }
        }
        return lines
    }
}
