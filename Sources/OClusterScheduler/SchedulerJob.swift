// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import OClusterAPI
import Synchronization

/// A submitted job as the scheduler queues it: the description (copied to the worker on `pop`), where it is
/// queued, and the promise the client's `Ticket.job` waits on. The client's ticket holds it too.
///
/// A class, so that the pool's tables hold one reference per job rather than the whole record: hash tables
/// keep spare buckets, and spare buckets of a pointer cost far less than spare buckets of ~120 bytes. It is
/// its own promise (a subclass rather than a second object: one allocation less per queued job).
final class SchedulerItem: JobPromise, PoolItem, @unchecked Sendable {
    // Sendable: every stored property is a constant or an atomic; the promise state is under its lock.
    let descr: StoredJobDescr
    let pool: String
    let cacheHint: String
    /// ``PoolCost`` narrowed to 32 bits a side: with the urgency left to the pool's ticket, this keeps the
    /// object within one small allocation (one per queued job).
    private let cachedCost: Int32
    private let nonCachedCost: Int32
    /// The pool's current ticket for the job (a job put back in the queue gets a new one). Written only by
    /// the scheduler actor; atomic so that the class can be shared with the client's ticket.
    private let ticketNumber = Atomic<UInt64>(0)
    /// When it was submitted (wall-clock seconds), for the status page's waiting times. One word more costs
    /// no memory: glibc serves a 136-byte request from the same 144-byte chunk as a 128-byte one.
    let submitted: Double

    init(descr: StoredJobDescr, pool: String, cacheHint: String, costEstimate: PoolCost) {
        self.descr = descr
        self.pool = pool
        self.cacheHint = cacheHint
        submitted = WallClock().now()
        cachedCost = Int32(clamping: costEstimate.cached)
        nonCachedCost = Int32(clamping: costEstimate.nonCached)
    }

    var costEstimate: PoolCost { PoolCost(cached: Int(cachedCost), nonCached: Int(nonCachedCost)) }

    /// The promise of the job capability the client's ticket stands for.
    var promise: JobPromise { self }

    var ticket: TicketID {
        get { TicketID(ticketNumber.load(ordering: .relaxed)) }
        set { ticketNumber.store(newValue.rawValue, ordering: .relaxed) }
    }

    var dumpLabel: String { cacheHint.isEmpty ? "(no cache hint)" : cacheHint }
}

/// A job description as a queued job keeps it: one framed message of exactly its size, copied out of the
/// call that submitted it (keeping the Call message would hold its RPC header and parameters too), and read
/// again only when a worker takes the job. A reader kept all along would cost a `MessageReader` object more
/// per queued job.
struct StoredJobDescr: Sendable {
    let frame: [UInt8]

    /// Copies the struct `pointer` points to, unknown fields included.
    init(copying pointer: AnyPointerReader) throws {
        let message = MessageBuilder(firstSegmentWords: 64)
        try message.rootPointer.set(pointer)
        frame = message.serialize()
    }

    /// Copies `descr`.
    init(copying descr: JobDescr.Reader) throws {
        let message = MessageBuilder(firstSegmentWords: 64)
        try message.rootPointer.setStruct(descr._reader)
        frame = message.serialize()
    }

    /// The description, read in place.
    var reader: JobDescr.Reader {
        get throws { try Framing.decode(frame).root(as: JobDescr.Reader.self) }
    }
}

/// The scheduler's clock: wall-clock seconds, as ocluster's `Unix.gettimeofday`.
struct WallClock: PoolClock {
    func now() -> Double { Date().timeIntervalSince1970 }
}

/// A one-shot promise of the job capability a ticket stands for.
///
/// Resolved with the (proxied) worker `Job` once a worker takes the job, or with an error when the ticket is
/// cancelled or released first. Waiters can be cancelled (their call was finished by the client).
class JobPromise: @unchecked Sendable {
    // Sendable: the only state is under the lock; a class open to ``SchedulerItem`` alone.
    private struct State {
        var result: Result<Capability, RPCError>?
        var waiters: [UInt64: CheckedContinuation<Result<Capability, RPCError>, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The outcome, if settled.
    var result: Result<Capability, RPCError>? { state.withLock { $0.result } }

    /// Settles the promise; later calls are ignored. Returns whether this call settled it.
    @discardableResult
    func resolve(_ result: Result<Capability, RPCError>) -> Bool {
        let waiters: [CheckedContinuation<Result<Capability, RPCError>, Never>]? = state.withLock { state in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: result) }
        return true
    }

    /// Waits for the outcome; a cancelled task gets a `failed` error at once.
    func wait() async -> Result<Capability, RPCError> {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let settled: Result<Capability, RPCError>? = state.withLock { state in
                    if let result = state.result { return result }
                    if Task.isCancelled { return .failure(RPCError(.failed, "Call cancelled")) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let settled { continuation.resume(returning: settled) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: .failure(RPCError(.failed, "Call cancelled")))
        }
    }
}

/// Holds a capability until it is taken once, so that a task can use it without keeping it alive.
final class CapabilityBox: Sendable {
    private let value: Mutex<Capability?>

    init(_ capability: Capability) { value = Mutex(capability) }

    func take() -> Capability? { value.withLock { $0.take() } }
}
