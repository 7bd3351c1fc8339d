// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork
import CapnProtoRPC

/// One connection to the scheduler, from a simulated worker's or client's process.
enum RPCSession {
    /// Dials `ref` (a connection of its own), restores its service and runs `body` with it, all on
    /// the connection's event loop, as a C++ or OCaml program makes its calls: the simulated
    /// workers and clients stand for many machines and should take as little as they can of the
    /// CPU the scheduler is measured on.
    static func with<Result: Sendable>(
        _ network: VatNetwork,
        _ ref: SturdyRef,
        _ body: (Capability) async throws -> Result
    ) async throws -> Result {
        try await network.connect(to: ref) { transport, serviceID in
            try await transport.onEventLoop { transport in
                let connection = RPCConnection(transport: transport)
                await connection.start()
                do {
                    let result = try await body(await connection.bootstrap(serviceId: serviceID.bytes))
                    await connection.close()
                    return result
                } catch {
                    await connection.close()
                    throw error
                }
            }
        }
    }
}
