// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import Logging
import Metrics
import OClusterAPI

extension SchedulerCore {
    /// The attempts of a job a worker takes: those of a job queued again after a lost worker, or new ones,
    /// whose proxy then answers the client's ticket.
    func jobAttempts(for taken: PoolJob<SchedulerItem>, in name: String) -> JobAttempts {
        let item = taken.item
        if let waiting = retries.queued.removeValue(forKey: ObjectIdentifier(item)) {
            metrics.clientQueued(client: taken.client, pool: name, urgent: taken.urgent, by: -1)
            return waiting.attempts
        }
        let attempts = JobAttempts(
            maxAttempts: configuration.requeue.maxAttempts(pool: name),
            resumes: item.jobID <= queue.restoredUpTo
        )
        let proxy = proxy(for: item, attempts: attempts, client: taken.client)
        if item.promise.resolve(.success(Capability(proxy))) {
            metrics.clientQueued(client: taken.client, pool: name, urgent: taken.urgent, by: -1)
        }
        return attempts
    }

    /// The client's `Job` for a job and its attempts.
    func proxy(for item: SchedulerItem, attempts: JobAttempts, client: String) -> JobProxyService {
        let cancel = cancelRequeued
        let saveJob = saveJob
        let jobID = item.jobID
        return JobProxyService(
            attempts: attempts,
            cancelQueued: { [weak attempts] reason in
                guard let attempts else { return false }
                cancel(attempts, reason)
                return true
            },
            // Weak: the item holds the proxy (its promise's value). A job gone has a ref that no longer resolves.
            save: { [weak item] in saveJob(item, jobID, client) },
            released: { [releaseJob] in releaseJob(jobID) }
        )
    }

    /// Records that an attempt started on `worker` (for admin `show`).
    func attemptStarted(_ attempts: JobAttempts, worker: String) {
        retries.retries[ObjectIdentifier(attempts)]?.attempt = attempts.attempt
        retries.retries[ObjectIdentifier(attempts)]?.worker = worker
    }

    /// The `result` of an attempt settled on its worker. When the worker's connection was lost (`lost` is
    /// the transport error), the job is queued again at the front of its pool if the policy allows it and
    /// someone still waits for it; otherwise the attempt is its last. Returns what became of the job (and so
    /// of its saved row).
    @discardableResult
    func attemptEnded(
        _ watched: WatchedAttempt,
        lost: RPCError?,
        result: Result<String, RPCError> = .failure(RPCError(.failed, "Build failed")),
        pool name: String
    ) -> AttemptOutcome {
        guard let attempts = watched.attempts else { return .gone }
        // A later attempt runs (this one's end was handled already): the row is that attempt's.
        guard attempts.attempt == watched.attempt else { return .requeued }
        let key = ObjectIdentifier(attempts)
        guard let lost else {
            attempts.settled(with: result)
            retries.retries[key] = nil
            return .finished(result)
        }
        let reason = lost.reason
        let policy = configuration.requeue
        guard pools[name] != nil, !attempts.cancelRequested, watched.attempt < attempts.maxAttempts,
            policy.allowsRetry(of: watched.descr)
        else {
            attempts.failed(JobAttempts.lostError(worker: watched.worker, lost))
            retries.retries[key] = nil
            Counter(label: "ocluster_scheduler_jobs_lost_total", dimensions: [("pool", name)], factory: metrics.factory)
                .increment()
            logger.warning(
                """
                Worker \(ocamlQuoted(watched.worker)) lost while running a job of \(ocamlQuoted(watched.client)); \
                not retried (attempt \(watched.attempt) of \(attempts.maxAttempts))
                """,
                metadata: ["pool": "\(name)"]
            )
            return .gone
        }
        let next = watched.attempt + 1
        attempts.requeued(
            line: "--- worker \(watched.worker) lost (\(reason)); job requeued, attempt \(next) of "
                + "\(attempts.maxAttempts) ---\n"
        )
        let item =
            watched.item
            ?? SchedulerItem(
                descr: watched.descr,
                pool: name,
                cacheHint: watched.cacheHint,
                costEstimate: configuration.cost,
                jobID: watched.jobID
            )
        retries.queued[ObjectIdentifier(item)] = (item, attempts)
        retries.retries[key] = RetryLedger.Retry(
            pool: name,
            label: "\(watched.client):\(item.dumpLabel)",
            attempt: next,
            maxAttempts: attempts.maxAttempts,
            worker: nil,
            lastLoss: "\(watched.worker) lost: \(reason)"
        )
        item.ticket = pools[name]!.pool.requeue(client: watched.client, item: item, urgent: watched.urgent)
        metrics.clientQueued(client: watched.client, pool: name, urgent: watched.urgent, by: 1)
        Counter(label: "ocluster_scheduler_requeues_total", dimensions: [("pool", name)], factory: metrics.factory)
            .increment()
        logger.info(
            """
            Worker \(ocamlQuoted(watched.worker)) lost (\(reason)); job of \(ocamlQuoted(watched.client)) \
            requeued, attempt \(next) of \(attempts.maxAttempts)
            """,
            metadata: ["pool": "\(name)"]
        )
        settle(name)
        return .requeued
    }

    /// A requeued job left the queue without running again (cancelled, or its client let go of it).
    func requeuedJobCancelled(_ item: SchedulerItem, reason: String) {
        guard let attempts = retries.queued.removeValue(forKey: ObjectIdentifier(item))?.attempts else { return }
        retries.retries[ObjectIdentifier(attempts)] = nil
        attempts.failed(RPCError(.failed, reason))
    }

    /// The client cancelled a job through its `Job` while the job waited in the queue again.
    func cancelRequeued(_ attempts: JobAttempts, reason: String) {
        guard let entry = retries.queued.values.first(where: { $0.attempts === attempts }) else { return }
        _ = cancelQueued(entry.item, reason: reason)
    }
}
