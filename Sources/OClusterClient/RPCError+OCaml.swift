// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC

extension RPCError {
    /// The exception as capnp-rpc prints it (`Capnp_rpc.Exception.pp`): `Failed: reason`.
    public var ocamlDescription: String {
        let kind =
            switch kind {
            case .failed: "Failed"
            case .overloaded: "Overloaded"
            case .disconnected: "Disconnected"
            case .unimplemented: "Unimplemented"
            }
        return "\(kind): \(reason)"
    }
}

extension OClusterClientError {
    /// A failed call of `method` (`Interface.method`), worded as capnp-rpc's `call_for_value_exn`
    /// words it: `PoolAdmin.show: Failed: No such pool`.
    static func call(_ method: String, _ error: any Error) -> OClusterClientError {
        if let error = error as? OClusterClientError { return error }
        return OClusterClientError(.call, "\(method): \(RPCError.from(error).ocamlDescription)", cause: error)
    }

    /// Runs one call of `method`, turning its failure into ``call(_:_:)``.
    static func calling<T>(_ method: String, _ body: () async throws -> T) async throws(OClusterClientError) -> T {
        do {
            return try await body()
        } catch {
            throw call(method, error)
        }
    }
}
