// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork
import CapnProtoRPC
import OClusterAPI

/// One live connection to the scheduler, as the agent sees it.
public struct SchedulerSession: Sendable {
    /// The pool's registration service.
    public let registration: Registration.Client
    /// Returns (with the reason) once the connection has ended.
    public let closed: @Sendable () async -> RPCError

    public init(registration: Registration.Client, closed: @escaping @Sendable () async -> RPCError) {
        self.registration = registration
        self.closed = closed
    }
}

/// How the agent reaches its scheduler: opens a connection, hands the body a session, and
/// closes the connection when the body returns or throws.
public protocol SchedulerConnector: Sendable {
    /// - Throws: when the connection cannot be made, or what `body` throws.
    func withSession<R: Sendable>(_ body: (SchedulerSession) async throws -> R) async throws -> R
}

/// Connects to a pool's sturdy ref (`pool-<name>.cap`) over the vat network: TLS pinned by
/// the ref's key digest (or plain for `insecure` refs), then a Bootstrap with its service id.
public struct SturdyRefConnector: SchedulerConnector {
    public let network: VatNetwork
    public let ref: SturdyRef

    public init(network: VatNetwork, ref: SturdyRef) {
        self.network = network
        self.ref = ref
    }

    public func withSession<R: Sendable>(_ body: (SchedulerSession) async throws -> R) async throws -> R {
        try await network.connect(to: ref) { transport, serviceID in
            let connection = RPCConnection(transport: transport)
            await connection.start()
            let registration = Registration.Client(await connection.bootstrap(serviceId: serviceID.bytes))
            do {
                let result = try await body(
                    SchedulerSession(registration: registration) { await connection.closedReason() }
                )
                await connection.close()
                return result
            } catch {
                await connection.close()
                throw error
            }
        }
    }
}
