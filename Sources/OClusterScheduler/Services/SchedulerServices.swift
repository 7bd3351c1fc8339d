// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoNetwork
import CapnProtoRPC
import Logging
import OClusterAPI
import Synchronization

/// The scheduler's vat-facing side: which capability each service ID restores to, as ocluster's restorer table.
///
/// | service | ID | capability |
/// | --- | --- | --- |
/// | `admin.cap` | HMAC-SHA256(SHA-256(key file), `"admin"`) | `Admin` |
/// | `pool-NAME.cap` | HMAC-SHA256(SHA-256(key file), `"pool-NAME"`) | that pool's `Registration` |
/// | a client's `.cap` | 20 random bytes, stored as their SHA-256 in `sturdy_refs` | `Submission` for that client |
/// | a job's ticket | the job's number (8 bytes, big-endian), then HMAC-SHA256(SHA-256(key file), `"ticket-N"`) | `Ticket` |
/// | a job's `Job` | the job's number, then HMAC-SHA256(SHA-256(key file), `"job-N"`) | `Job` (the ticket's `job`) |
///
/// A ticket's or job's ref is an unguessable ID per job, not bound to the client's connection: whoever holds it
/// (the client saved it) may reattach. It resolves while the job is queued or running (or finished, with its
/// result kept for the client) and its client is still registered (`remove-client` revokes it), across restarts; restoring a job held after a restart releases it
/// to the workers (see ``SchedulerCore/reattach(jobID:client:)``).
///
/// The fixed IDs depend only on the key file, so the `.cap` files stay valid across restarts. Pass
/// ``restore(_:)`` to each connection (`RPCConnection(transport:services:)`); there is no bootstrap
/// capability without an ID.
public final class SchedulerServices: Sendable {
    /// The scheduler behind every service.
    public let scheduler: Scheduler
    /// The ID of the `Admin` service.
    public let adminID: ServiceID
    /// The ID of each pool's `Registration` service.
    public let poolIDs: [String: ServiceID]
    private let fixed: [[UInt8]: Capability]
    private let sturdyRefMaker = Mutex<(@Sendable (ServiceID) -> SturdyRef?)?>(nil)
    private let hashedSecret: [UInt8]
    private let logger: Logger

    /// Creates the service table.
    ///
    /// - Parameters:
    ///   - scheduler: the scheduler.
    ///   - hashedSecret: SHA-256 of the vat's key file (``SecretKey/hashedSecret``), from which the fixed IDs
    ///     are derived.
    public init(scheduler: Scheduler, hashedSecret: [UInt8], logger: Logger = Logger(label: "ocluster.scheduler")) {
        self.scheduler = scheduler
        self.hashedSecret = hashedSecret
        self.logger = logger
        adminID = ServiceID.derived(hashedSecret: hashedSecret, name: "admin")
        var poolIDs: [String: ServiceID] = [:]
        for pool in scheduler.poolNames {
            poolIDs[pool] = ServiceID.derived(hashedSecret: hashedSecret, name: "pool-\(pool)")
        }
        self.poolIDs = poolIDs
        var fixed: [[UInt8]: Capability] = [:]
        for (pool, id) in poolIDs {
            fixed[id.bytes] = Capability(RegistrationService(scheduler: scheduler, pool: pool))
        }
        self.fixed = fixed
        // The admin service needs `self` (to mint client endpoints), so it is made on demand.
        scheduler.savedTickets.setURIMaker { [weak self] jobID, kind in
            guard let self else { return nil }
            return sturdyRef(for: savedServiceID(jobID: jobID, kind))?.uri
        }
    }

    /// Sets how sturdy refs are written (the vat's public address and key digest), once the vat listens.
    /// Until then `Persistent.save` on a client endpoint fails.
    public func setSturdyRefMaker(_ make: @escaping @Sendable (ServiceID) -> SturdyRef?) {
        sturdyRefMaker.withLock { $0 = make }
    }

    /// The sturdy ref of a service, once ``setSturdyRefMaker(_:)`` was called.
    public func sturdyRef(for id: ServiceID) -> SturdyRef? {
        sturdyRefMaker.withLock { $0 }?(id) ?? nil
    }

    /// The capability a Bootstrap with `serviceID` gets, or nil ("Unknown persistent service ID").
    public func restore(_ serviceID: [UInt8]) -> Capability? {
        if serviceID == adminID.bytes { return admin }
        if let found = fixed[serviceID] { return found }
        guard !serviceID.isEmpty else { return nil }
        // A forged or dead ticket or job ID goes on to the client table, in case a client's ID has that length.
        if serviceID.count == Self.ticketIDLength, let saved = savedCapability(serviceID) { return saved }
        let client: String?
        do {
            client = try scheduler.store.client(forServiceID: serviceID)
        } catch {
            logger.error("Cannot look up a service ID: \(error)")
            return nil
        }
        guard let client else { return nil }
        return submissionCapability(client: client, serviceID: serviceID)
    }

    /// The raw bytes of the admin service ID (what a Bootstrap for `admin.cap` carries).
    public var adminServiceID: [UInt8] { adminID.bytes }

    /// The raw bytes of a pool's registration service ID.
    public func poolServiceID(_ pool: String) -> [UInt8]? { poolIDs[pool]?.bytes }

    /// A new `Admin` capability.
    public var admin: Capability { Capability(AdminService(services: self)) }

    /// A pool's `Registration` capability (what `pool-NAME.cap` restores to).
    public func registration(pool: String) -> Capability? {
        poolIDs[pool].flatMap { fixed[$0.bytes] }
    }

    func submissionCapability(client: String, serviceID: [UInt8]) -> Capability {
        Capability(
            SubmissionService(
                scheduler: scheduler,
                client: client,
                serviceID: serviceID,
                sturdyRef: { [weak self] id in self?.sturdyRef(for: ServiceID(bytes: id))?.uri }
            )
        )
    }

    /// Job number (8 bytes) and MAC (32 bytes): no other service ID has this length.
    static let ticketIDLength = 40

    /// The service ID of a job's ticket or `Job`.
    func savedServiceID(jobID: Int64, _ kind: SavedTickets.Kind) -> ServiceID {
        let number = withUnsafeBytes(of: UInt64(bitPattern: jobID).bigEndian) { Array($0) }
        return ServiceID(bytes: number + mac(jobID: jobID, kind))
    }

    private func mac(jobID: Int64, _ kind: SavedTickets.Kind) -> [UInt8] {
        ServiceID.derived(hashedSecret: hashedSecret, name: "\(kind.rawValue)-\(jobID)").bytes
    }

    /// A new `Ticket`, or `Job`, for the job a saved service ID names, if the ID is genuine, the job still
    /// queued or running, and its client still registered. A job held since the restart is released to the
    /// workers.
    private func savedCapability(_ serviceID: [UInt8]) -> Capability? {
        let jobID = Int64(bitPattern: serviceID.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        // Compared in constant time, so that timing tells nothing about how much of a guess was right.
        let kind = SavedTickets.Kind.allCases.first { kind in
            zip(mac(jobID: jobID, kind), serviceID.dropFirst(8)).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
        guard let kind, let (item, client) = scheduler.savedTickets.lookup(jobID) else { return nil }
        do {
            guard try scheduler.store.clients().contains(client) else { return nil }
        } catch {
            logger.error("Cannot look up a client: \(error)")
            return nil
        }
        scheduler.onActor { scheduler in
            if scheduler.core.reattach(jobID: jobID, client: client) != nil {
                scheduler.logger.info("Client \(ocamlQuoted(client)) reattached to job \(jobID)")
            }
        }
        switch kind {
        case .ticket:
            return Capability(TicketService(scheduler: scheduler, submitted: item, client: client))
        case .job:
            // What the ticket's `job` gives, once a worker takes the job; calls wait until then.
            let job = PromiseCell<Capability>()
            Task {
                switch await item.promise.wait() {
                case .success(let capability): job.resolve(capability)
                case .failure(let error): job.resolve(.broken(error))
                }
            }
            return Capability.promised(job)
        }
    }
}
