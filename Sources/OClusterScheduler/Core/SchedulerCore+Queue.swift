// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoRPC
import Logging

extension SchedulerCore {
    /// Queues the jobs the store kept (in their order, so that the fair-share order is rebuilt as it was) and
    /// returns how many. Each is held until its client reattaches (``reattach(jobID:client:)``): nobody reads
    /// it until then, and a client that submits again instead must not have it run twice. The results kept of
    /// jobs that had finished wait for their clients likewise, in no queue. Rows for pools no longer served, or
    /// whose description does not decode, are removed.
    func restoreQueue() throws(SchedulerError) -> Int {
        let records: [QueuedJobRecord]
        do {
            records = try store.queuedJobs()
        } catch {
            throw SchedulerError(error)
        }
        var restored = 0
        queue.restoredAt = .now
        for record in records {
            queue.nextID = max(queue.nextID, record.id + 1)
            queue.lastSent = max(queue.lastSent, record.id)
            guard pools[record.pool] != nil, let descr = try? StoredJobDescr(frame: record.descr) else {
                logger.warning("Dropping stored job \(record.id) for pool \(record.pool): unknown pool or bad job")
                queue.next.deletes.append(record.id)
                continue
            }
            let item = SchedulerItem(
                descr: descr,
                pool: record.pool,
                cacheHint: record.cacheHint,
                costEstimate: configuration.cost,
                jobID: record.id,
                submitted: record.submitted
            )
            queue.restoredUpTo = max(queue.restoredUpTo, record.id)
            if let result = record.result {
                // Finished before the restart: only its result waits for the client, in no queue.
                queue.restored[record.id] = RestoredJob(item: item, client: record.client, result: result)
                continue
            }
            item.ticket = pools[record.pool]!.pool.submit(
                client: record.client,
                item: item,
                urgent: record.urgent,
                held: true
            )
            metrics.clientQueued(client: record.client, pool: record.pool, urgent: record.urgent, by: 1)
            queue.restored[record.id] = RestoredJob(item: item, client: record.client)
            restored += 1
        }
        return restored
    }

    /// Releases a held restored job of `client` into its queue, at the place it had, or gives it its kept
    /// result; returns it, or nil if there is no such job (never restored, released already, cancelled, or
    /// another client's).
    func reattach(jobID: Int64, client: String) -> SchedulerItem? {
        guard let restored = queue.restored[jobID], restored.client == client else { return nil }
        queue.restored[jobID] = nil
        let item = restored.item
        if let result = restored.result {
            let attempts = JobAttempts(maxAttempts: 1, resumes: true)
            attempts.kept(result)
            item.promise.resolve(.success(Capability(proxy(for: item, attempts: attempts, client: client))))
            queue.kept.insert(jobID)
            return item
        }
        guard pools[item.pool]?.pool.releaseHeld(item.ticket) == true else { return nil }
        settle(item.pool)
        return item
    }

    /// Cancels the restored jobs still held, and drops the results kept for clients that did not come back:
    /// their clients had until now to reattach. A client that never reattaches (ocluster's submits again) sees
    /// what it saw before jobs were kept: the job is gone, and it never ran. Returns how many were cancelled.
    @discardableResult
    func cancelRestored(after timeout: String) -> Int {
        let restored = queue.restored.values.sorted { $0.item.jobID < $1.item.jobID }
        queue.restored = [:]
        let reason = "Job restored after a scheduler restart, not reattached within \(timeout) (cancelled)"
        let finished = restored.filter { $0.result != nil }
        for job in finished {
            job.item.promise.resolve(.failure(RPCError(.failed, reason)))
            recordGone(job.item.jobID)
        }
        if !finished.isEmpty { logger.notice("Dropped \(finished.count) kept result(s) that no client reattached to") }
        let cancelled = restored.filter { $0.result == nil && cancelQueued($0.item, reason: reason) }.count
        if cancelled > 0 { logger.notice("Cancelled \(cancelled) restored job(s) that no client reattached to") }
        return cancelled
    }

    /// Admin `show`'s lines for the pool's restored jobs still held, oldest first: none when there are none, so
    /// that the output is ocluster's.
    func heldLines(pool name: String) -> [String] {
        guard let pool = pools[name]?.pool else { return [] }
        let held = queue.restored.values.filter {
            $0.item.pool == name && ($0.result != nil || pool.isHeld($0.item.ticket))
        }
        guard !held.isEmpty else { return [] }
        let left = configuration.reattachTimeout - queue.restoredAt.duration(to: .now)
        let lines = held.sorted { $0.item.jobID < $1.item.jobID }.map {
            "  \($0.client):\($0.item.dumpLabel) (job \($0.item.jobID)\($0.result == nil ? "" : ", finished"))"
        }
        let cancelledIn = OCamlFloatFormat.roughDuration(max(0, left.seconds))
        return ["held until their client reattaches (cancelled in \(cancelledIn)):"] + lines
    }

    /// A new job's number.
    func nextJobID() -> Int64 {
        defer { queue.nextID += 1 }
        return queue.nextID
    }

    /// Adds the job's row to the next queue write; returns the commit its `submit` waits for.
    func recordQueued(_ item: SchedulerItem, client: String, urgent: Bool) -> QueueWrites.Commit {
        // The next write timed out before it was sent (the one before is stuck): this job gets its own wait.
        if queue.pending.current != nil { queue.pending = QueueWrites.Commit() }
        queue.next.inserts.append(
            QueuedJobRecord(
                id: item.jobID,
                pool: item.pool,
                client: client,
                urgent: urgent,
                cacheHint: item.cacheHint,
                descr: item.descr.frame,
                submitted: item.submitted
            )
        )
        let commit = queue.pending
        writeQueue()
        return commit
    }

    /// The commit a job just submitted waits for: the write carrying its row (nil: committed already).
    func queueCommit(for jobID: Int64) -> QueueWrites.Commit? {
        jobID > queue.lastSent ? queue.pending : queue.inFlight
    }

    /// Removes the job's row (its client let go of it, or it was cancelled), with the next queue write.
    func recordGone(_ jobID: Int64) {
        queue.next.results[jobID] = nil
        queue.next.deletes.append(jobID)
        writeQueue()
    }

    /// The attempt handed out under `key` ended. Its row goes, unless the job was queued again (the row stays
    /// for the next attempt) or it finished while its client still holds it (the row keeps the result).
    func runningJobFinished(_ key: SchedulerActivity.RunningKey, outcome: AttemptOutcome) {
        guard let jobID = queue.running.removeValue(forKey: key) else { return }
        switch outcome {
        case .requeued:
            return
        case .finished(let result):
            queue.kept.insert(jobID)
            queue.next.results[jobID] = result
            writeQueue()
        case .gone:
            recordGone(jobID)
        }
    }

    /// The client let go of a job (its `Job` was released): a result kept for it goes.
    func jobReleased(_ jobID: Int64) {
        guard queue.kept.remove(jobID) != nil else { return }
        recordGone(jobID)
    }

    /// Sends what is waiting to the store, unless a write is on its way (then after it).
    func writeQueue() {
        guard queue.inFlight == nil, !queue.next.isEmpty else { return }
        let batch = queue.next
        let commit = queue.pending
        queue.next = QueueBatch()
        queue.pending = QueueWrites.Commit()
        queue.inFlight = commit
        queue.inFlightBatch = batch
        if let last = batch.inserts.last { queue.lastSent = max(queue.lastSent, last.id) }
        if let writeQueueBatch {
            writeQueueBatch(batch)
        } else {
            do throws(SchedulerStoreError) {
                try store.perform(.queue(batch))
                queueWritten(.success(()))
            } catch {
                queueWritten(.failure(error))
            }
        }
    }

    /// The queue write on its way finished.
    func queueWritten(_ result: Result<Void, SchedulerStoreError>) {
        if case .failure(let error) = result {
            logger.error("Cannot save the queue: \(error)")
            queue.next = queue.inFlightBatch.retried(before: queue.next)
        }
        queue.inFlight?.resolve(result)
        queue.inFlight = nil
        queue.inFlightBatch = QueueBatch()
        writeQueue()
    }
}
