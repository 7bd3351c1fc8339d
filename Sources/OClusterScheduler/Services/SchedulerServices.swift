// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

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
    private let logger: Logger

    /// Creates the service table.
    ///
    /// - Parameters:
    ///   - scheduler: the scheduler.
    ///   - hashedSecret: SHA-256 of the vat's key file (``SecretKey/hashedSecret``), from which the fixed IDs
    ///     are derived.
    public init(scheduler: Scheduler, hashedSecret: [UInt8], logger: Logger = Logger(label: "ocluster.scheduler")) {
        self.scheduler = scheduler
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
            SubmissionService(scheduler: scheduler, client: client, serviceID: serviceID) { [weak self] id in
                self?.sturdyRef(for: ServiceID(bytes: id))?.uri
            }
        )
    }
}
