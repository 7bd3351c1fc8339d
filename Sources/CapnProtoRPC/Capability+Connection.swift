// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Capability {
    /// The connection an imported capability's calls go over; nil for any other target (local, a promise not
    /// yet resolved, a pipelined answer, broken). For a server that must end a peer's connection, e.g. one
    /// that stopped answering.
    public var importConnection: RPCConnection? {
        guard case .imported(let reference) = target else { return nil }
        return reference.connection
    }
}
