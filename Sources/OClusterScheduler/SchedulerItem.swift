// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI
import Synchronization

/// A submitted job as the scheduler queues it: the description (copied to the worker on `pop`), where it is
/// queued, and the promise the client's `Ticket.job` waits on. The client's ticket holds it too.
///
/// A class, so that the pool's tables hold one reference per job rather than the whole record: hash tables
/// keep spare buckets, and spare buckets of a pointer cost far less than spare buckets of the whole record. It
/// is its own promise (a subclass rather than a second object: one allocation less per queued job). Sizes
/// are in the README (Performance, memory per queued job).
final class SchedulerItem: PromiseCell<Result<Capability, RPCError>>, PoolItem, @unchecked Sendable {
    // Sendable: every stored property is a constant or an atomic; the promise state is under its lock.
    let descr: StoredJobDescr
    let pool: String
    let cacheHint: String
    /// ``PoolCost`` narrowed to 32 bits a side: with the urgency left to the pool's ticket, this keeps the
    /// object (one per queued job) in a smaller allocation size class.
    private let cachedCost: Int32
    private let nonCachedCost: Int32
    /// The pool's current ticket for the job (a job put back in the queue gets a new one). Written only by
    /// the scheduler actor; atomic so that the class can be shared with the client's ticket.
    private let ticketNumber = Atomic<UInt64>(0)
    /// When it was submitted (wall-clock seconds), for the status page's waiting times.
    let submitted: Double

    /// The job's number in the store's `queued_jobs` (its queue order across restarts).
    let jobID: Int64

    init(
        descr: StoredJobDescr,
        pool: String,
        cacheHint: String,
        costEstimate: PoolCost,
        jobID: Int64 = 0,
        submitted: Double? = nil
    ) {
        self.descr = descr
        self.pool = pool
        self.cacheHint = cacheHint
        self.jobID = jobID
        self.submitted = submitted ?? WallClock().now()
        cachedCost = Int32(clamping: costEstimate.cached)
        nonCachedCost = Int32(clamping: costEstimate.nonCached)
        super.init()
    }

    var costEstimate: PoolCost { PoolCost(cached: Int(cachedCost), nonCached: Int(nonCachedCost)) }

    /// The promise of the job capability the client's ticket stands for: resolved with the (proxied) worker
    /// `Job` once a worker takes the job, or with an error when the ticket is cancelled or released first.
    var promise: PromiseCell<Result<Capability, RPCError>> { self }

    var ticket: TicketID {
        get { TicketID(ticketNumber.load(ordering: .relaxed)) }
        set { ticketNumber.store(newValue.rawValue, ordering: .relaxed) }
    }

    var dumpLabel: String { cacheHint.isEmpty ? "(no cache hint)" : cacheHint }
}
