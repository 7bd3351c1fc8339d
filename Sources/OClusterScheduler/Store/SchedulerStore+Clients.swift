// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import GRDB
import OClusterAPI

extension SchedulerStore {
    /// The length of a generated service ID (capnp-rpc's `Restorer.Id.generate`).
    public static let serviceIDLength = 20

    /// Registers a client and returns the secret service ID of its new submission endpoint.
    ///
    /// As in ocluster (`Sqlite_loader.add`), only the SHA-256 of the service ID is stored, in `sturdy_refs`
    /// (`hash`, `type` = `ocluster-client`, `args` = the client id as a BLOB, `created` = `date('now')`). The
    /// service ID itself goes into the sturdy ref URI handed to the administrator (the client's `.cap` file),
    /// which therefore keeps working after a restart: ``client(forServiceID:)`` finds the row by hashing the ID
    /// presented. Fails with `.clientAlreadyRegistered` if the id already has an endpoint.
    @discardableResult
    public func addClient(_ id: String) throws(SchedulerStoreError) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let serviceID = (0..<Self.serviceIDLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        try addClient(id, serviceID: serviceID)
        return serviceID
    }

    /// Registers a client with a service ID chosen by the caller (any byte string; ocluster generates 20 random bytes).
    public func addClient(_ id: String, serviceID: [UInt8]) throws(SchedulerStoreError) {
        try write("Adding client \(id)") { db in try Self.insertClient(id, serviceID: serviceID, in: db) }
    }

    static func insertClient(_ id: String, serviceID: [UInt8], in db: Database) throws {
        guard try !clientExists(id, in: db) else {
            throw SchedulerStoreError(.clientAlreadyRegistered, "Client \(ocamlQuoted(id)) already registered!")
        }
        try db.cachedStatement(
            sql: "INSERT INTO sturdy_refs (hash, type, args, created) VALUES (?, ?, ?, date('now'))"
        )
        .execute(arguments: [Data(SHA256.digest(serviceID)), clientRefType, Data(id.utf8)])
    }

    /// Revokes the client's submission endpoint (its `.cap` stops working; jobs already queued stay).
    ///
    /// ocluster then removes the client from every pool, deleting its rates; pass the resulting changes (each
    /// pool's `removeClient` then `drainChanges()`, or nothing and ``apply(_:toPool:)`` them later) to commit
    /// them in the same transaction. Fails with `.unknownClient` if the id has no endpoint.
    public func removeClient(
        _ id: String,
        applying changesByPool: [String: [PoolChange]] = [:]
    ) throws(SchedulerStoreError) {
        try write("Removing client \(id)") { db in try Self.deleteClient(id, applying: changesByPool, in: db) }
    }

    static func deleteClient(_ id: String, applying changesByPool: [String: [PoolChange]], in db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM sturdy_refs WHERE type = ? AND args = ?")
            .execute(arguments: [clientRefType, Data(id.utf8)])
        guard db.changesCount > 0 else {
            throw SchedulerStoreError(.unknownClient, "Unknown client \(ocamlQuoted(id))")
        }
        for (pool, changes) in changesByPool {
            try apply(changes, toPool: pool, in: db)
        }
    }

    /// The registered client ids, sorted by their bytes (ocluster's `list_clients`: `ORDER BY args`).
    public func clients() throws(SchedulerStoreError) -> [String] {
        try read("Listing clients") { db in
            try Data.fetchAll(
                db,
                sql: "SELECT args FROM sturdy_refs WHERE type = ? ORDER BY args",
                arguments: [Self.clientRefType]
            )
            .map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Whether the client has a submission endpoint (ocluster's `validate_client`, checked by `setRate`).
    public func hasClient(_ id: String) throws(SchedulerStoreError) -> Bool {
        try read("Looking up client \(id)") { db in try Self.clientExists(id, in: db) }
    }

    /// The client a submission service ID belongs to, or nil if it is unknown or was revoked (restoring a
    /// sturdy ref, and the revocation check made before each `submit`).
    ///
    /// Rows of other types (ocluster has none) are not clients and give nil.
    public func client(forServiceID serviceID: [UInt8]) throws(SchedulerStoreError) -> String? {
        try read("Looking up a service ID") { db in
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT type, args FROM sturdy_refs WHERE hash = ?"),
                arguments: [Data(SHA256.digest(serviceID))]
            )
            guard let row, row[0] as String? == Self.clientRefType, let args = row[1] as Data? else { return nil }
            return String(decoding: args, as: UTF8.self)
        }
    }

    static func clientExists(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM sturdy_refs WHERE type = ? AND args = ?)",
            arguments: [clientRefType, Data(id.utf8)]
        ) ?? false
    }
}
