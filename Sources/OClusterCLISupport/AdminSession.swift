// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import OClusterAPI

/// A failed admin command: the message goes to stderr and the process exits with status 1.
public struct AdminFailure: Error, Sendable, CustomStringConvertible {
    /// What to print.
    public var message: String

    /// Creates a failure.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }

    /// A capnp exception as capnp-rpc prints it (`Failed: reason`).
    public init(_ error: any Error) {
        if let error = error as? RPCError {
            let kind =
                switch error.kind {
                case .failed: "Failed"
                case .overloaded: "Overloaded"
                case .disconnected: "Disconnected"
                case .unimplemented: "Unimplemented"
                }
            self.init("\(kind): \(error.reason)")
        } else if let error = error as? AdminFailure {
            self = error
        } else {
            self.init("\(error)")
        }
    }
}

/// The `ocluster-admin` commands (`bin/admin.ml`), on a connected `Admin` capability. Results go to
/// ``out``, complaints to ``err``, as ocluster prints them.
public struct AdminSession: Sendable {
    /// The scheduler's admin service.
    public let admin: Admin.Client
    /// Prints a line to stdout.
    public let out: @Sendable (String) -> Void
    /// Prints a line to stderr.
    public let err: @Sendable (String) -> Void

    /// A session on `admin`.
    public init(
        admin: Admin.Client,
        out: @escaping @Sendable (String) -> Void = { print($0) },
        err: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.admin = admin
        self.out = out
        self.err = err
    }

    /// Connects to the admin `.cap` (or URI), runs `body`, and closes the connection.
    public static func with<T: Sendable>(
        capFile: String,
        _ body: (AdminSession) async throws -> T
    ) async throws -> T {
        let vat = Vat()
        do {
            let capability = try await vat.connect(capFile: capFile)
            let result = try await body(AdminSession(admin: Admin.Client(capability)))
            await vat.shutdown()
            return result
        } catch {
            await vat.shutdown()
            throw AdminFailure(error)
        }
    }

    func pool(_ name: String) async -> PoolAdmin.Client {
        PoolAdmin.Client(await admin.pool { params, _ in params.name = name }.pipeline(0))
    }

    // MARK: - Clients

    /// `add-client ID`: prints the new endpoint's sturdy ref URI.
    public func addClient(_ id: String) async throws {
        let cap = await admin.addClient { params, _ in params.id = id }.pipeline(0)
        let saved = try await cap.call(interfaceId: 0xc8cb_212f_cd9f_5691, methodId: 0) { payload in
            _ = payload.content.initStruct(dataWords: 0, pointerCount: 1)
        }
        out(try saved.content.readStruct().pointer(0).readText())
    }

    /// `remove-client ID`.
    public func removeClient(_ id: String) async throws {
        _ = try await admin.removeClient(id: id)
    }

    /// `list-clients`: one id per line, or "No clients." on stderr.
    public func listClients() async throws {
        let clients = try await admin.listClients().results.clients.toArray()
        if clients.isEmpty { err("No clients.") }
        for client in clients { out(client) }
    }

    /// `set-rate POOL CLIENT RATE`.
    public func setRate(pool: String, client: String, rate: Double) async throws {
        _ = try await self.pool(pool).setRate(id: client, rate: rate)
    }

    // MARK: - Workers

    /// The pool's known workers.
    public func workers(pool: String) async throws -> [(name: String, active: Bool, connected: Bool)] {
        let list = try await self.pool(pool).workers().results.workers
        return try list.map { (try $0.name, $0.active, $0.connected) }
    }

    /// `show [POOL [WORKER]]`.
    public func show(pool: String?, worker: String?, terse: Bool) async throws {
        guard let pool else {
            for name in try await admin.pools().results.names.toArray() { out(name) }
            return
        }
        if let worker {
            let found = try await workers(pool: pool).first { $0.name == worker }
            let status = found.map { $0.active ? "Running" : "Paused" } ?? "Not found"
            out(terse ? status : "\(worker): \(status)")
        } else if terse {
            for info in try await workers(pool: pool) { out(info.name) }
        } else {
            let state = try await self.pool(pool).show().results.state
            out(state.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

/// How ocluster's `pp_worker_info` prints a worker: `name`, `name (paused)`, `name (disconnected, paused)`.
func describeWorker(_ info: (name: String, active: Bool, connected: Bool)) -> String {
    var notes = info.active ? [] : ["paused"]
    if !info.connected { notes.insert("disconnected", at: 0) }
    return notes.isEmpty ? info.name : "\(info.name) (\(notes.joined(separator: ", ")))"
}
