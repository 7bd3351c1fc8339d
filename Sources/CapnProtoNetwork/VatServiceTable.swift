// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Synchronization

/// The services a ``Vat`` can restore, as capnp-rpc's `Restorer.Table`: keyed by the SHA-256 of
/// the service ID (so the IDs themselves are not kept), with an optional fallback for IDs that
/// live elsewhere (ocluster keeps client submission IDs in SQLite).
final class VatServiceTable: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var services: [[UInt8]: Capability] = [:]
        var fallback: (@Sendable (ServiceID) -> Capability?)?
    }

    func add(_ service: Capability, id: ServiceID) {
        let key = id.digest
        state.withLock { $0.services[key] = service }
    }

    func remove(_ id: ServiceID) {
        let key = id.digest
        state.withLock { $0.services[key] = nil }
    }

    func setFallback(_ fallback: (@Sendable (ServiceID) -> Capability?)?) {
        state.withLock { $0.fallback = fallback }
    }

    /// The service `id` names, or `nil` (the engine then answers "Unknown persistent service ID").
    func restore(_ id: ServiceID) -> Capability? {
        let key = id.digest
        let (found, fallback) = state.withLock { ($0.services[key], $0.fallback) }
        if let found { return found }
        return fallback?(id)
    }

    /// The restorer handed to every ``RPCConnection`` of the vat.
    var restorer: @Sendable ([UInt8]) -> Capability? {
        { [self] bytes in restore(ServiceID(bytes: bytes)) }
    }
}
