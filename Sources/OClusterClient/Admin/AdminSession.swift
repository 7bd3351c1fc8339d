// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

/// The `ocluster-admin` commands (ocluster's `bin/admin.ml`) on a connected `Admin` service.
///
/// Each command prints what ocluster prints, on the same stream, and fails with the message
/// ocluster prints on stderr (``CodedError/message``), so that scripts written against
/// ocluster read the same text.
public struct AdminSession: Sendable {
    /// The scheduler's admin service.
    public let admin: Admin.Client
    /// Where results and complaints go.
    public let output: CommandOutput

    /// A session on `admin`.
    public init(admin: Admin.Client, output: CommandOutput = .standard) {
        self.admin = admin
        self.output = output
    }

    /// A session on the scheduler's admin service, as connected (``Connection/connect(progress:)``).
    public init(admin service: Capability, output: CommandOutput = .standard) {
        self.init(admin: Admin.Client(service), output: output)
    }

    func pool(_ name: String) async -> PoolAdmin.Client {
        PoolAdmin.Client(await admin.pool { params, _ in params.name = name }.pipeline(0))
    }

    // MARK: - Clients

    /// `add-client ID`: prints the new endpoint's sturdy ref URI.
    public func addClient(_ id: String) async throws(OClusterClientError) {
        let cap = await admin.addClient { params, _ in params.id = id }.pipeline(0)
        do {
            // capnp-rpc's Persistent.save; SaveResults' sturdyRef @0 :AnyPointer holds the URI as text.
            let saved = try await cap.call(interfaceId: Self.persistentInterfaceID, methodId: 0) { payload in
                _ = payload.content.initStruct(dataWords: 0, pointerCount: 1)
            }
            output.out(try saved.content.readStruct().pointer(0).readText())
        } catch {
            // Persistence.save_exn words it without the method.
            throw OClusterClientError(.call, RPCError.from(error).ocamlDescription, cause: error)
        }
    }

    /// capnp-rpc's `Persistent` interface (`persistent.capnp`).
    static let persistentInterfaceID: UInt64 = 0xc8cb_212f_cd9f_5691

    /// `remove-client ID`.
    public func removeClient(_ id: String) async throws(OClusterClientError) {
        _ = try await OClusterClientError.calling("Admin.removeClient") { try await admin.removeClient(id: id) }
    }

    /// `reissue-client ID`: a new capability for an existing client, naming the scheduler's
    /// address now (after it moved to another host or port), printed as `add-client` prints it.
    ///
    /// A client's capability holds a secret the scheduler keeps only hashed, so it cannot write
    /// the old one out again: the client is removed and added again, which revokes the old
    /// capability and resets the client's rates to the default.
    public func reissueClient(_ id: String) async throws(OClusterClientError) {
        try await removeClient(id)
        try await addClient(id)
    }

    /// `list-clients`: one id per line, or `No clients.` on stderr.
    public func listClients() async throws(OClusterClientError) {
        let clients = try await OClusterClientError.calling("Admin.listClients") {
            try await admin.listClients().results.clients.toArray()
        }
        if clients.isEmpty { output.err("No clients.") }
        for client in clients { output.out(client) }
    }

    /// `set-rate POOL CLIENT RATE`.
    public func setRate(pool: String, client: String, rate: Double) async throws(OClusterClientError) {
        let poolAdmin = await self.pool(pool)
        _ = try await OClusterClientError.calling("PoolAdmin.setRate") {
            try await poolAdmin.setRate(id: client, rate: rate)
        }
    }

    // MARK: - Pools

    /// The pool's known workers.
    public func workers(pool: String) async throws(OClusterClientError) -> [WorkerStatus] {
        try await workers(of: await self.pool(pool))
    }

    func workers(of pool: PoolAdmin.Client) async throws(OClusterClientError) -> [WorkerStatus] {
        try await OClusterClientError.calling("PoolAdmin.workers") {
            try await pool.workers().results.workers.map {
                WorkerStatus(name: try $0.name, active: $0.active, connected: $0.connected)
            }
        }
    }

    /// `show [POOL [WORKER]]`: the pools; a pool's state (or with `terse` its workers' names); a
    /// worker's status (`Running`, `Paused`, `Not found`).
    public func show(pool: String?, worker: String?, terse: Bool) async throws(OClusterClientError) {
        guard let pool else {
            let names = try await OClusterClientError.calling("Admin.pools") {
                try await admin.pools().results.names.toArray()
            }
            for name in names { output.out(name) }
            return
        }
        let poolAdmin = await self.pool(pool)
        if let worker {
            let found = try await workers(of: poolAdmin).first { $0.name == worker }
            let status = found.map { $0.active ? "Running" : "Paused" } ?? "Not found"
            output.out(terse ? status : "\(worker): \(status)")
        } else if terse {
            for info in try await workers(of: poolAdmin) { output.out(info.name) }
        } else {
            let state = try await OClusterClientError.calling("PoolAdmin.show") {
                try await poolAdmin.show().results.state
            }
            output.out(state.trimmingOCamlWhitespace)
        }
    }
}
