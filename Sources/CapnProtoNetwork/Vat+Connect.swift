// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import Logging
import Synchronization

extension Vat {
    /// Connects to the service `ref` names (capnp-rpc's `Sturdy_ref.connect`).
    ///
    /// Returns once the connection is up (TLS handshake included); the service itself is the
    /// bootstrap promise, so calls on it are pipelined and an unknown service ID shows up as
    /// `RPCError(.failed, "Unknown persistent service ID")` on the first call.
    ///
    /// - `sha-256` refs share one connection per server key digest, made on demand and dropped
    ///   when it breaks (the next `connect` dials again). A ref to this vat's own key is
    ///   restored locally, without a connection.
    /// - `insecure` refs get a new plain connection every time.
    ///
    /// - Throws: ``NetworkErrorCode/connectionFailed`` when the socket cannot be opened,
    ///   ``NetworkErrorCode/peerKeyMismatch`` (naming both digests) when the server has
    ///   another key, ``NetworkErrorCode/tlsHandshakeFailed`` for other TLS failures,
    ///   ``NetworkErrorCode/connectionClosed`` after ``shutdown()``.
    public func connect(_ ref: SturdyRef) async throws -> Capability {
        let rpc: RPCConnection
        switch ref.authentication {
        case .insecure:
            rpc = try await open(ref, shared: nil)
        case .sha256(let digest):
            if let secretKey, digest == secretKey.publicKeyDigest {
                return services.restore(ref.serviceID)
                    ?? .broken(RPCError(.failed, "Unknown persistent service ID"))
            }
            rpc = try await sharedConnection(to: ref, digest: digest)
        }
        return await rpc.bootstrap(serviceId: ref.serviceID.bytes)
    }

    /// Connects to the sturdy ref in a `.cap` file, or given literally as a `capnp://` URI (what
    /// capnp-rpc-unix CLIs accept), in one call.
    ///
    /// - Throws: what ``CapFile/resolve(_:)`` and ``connect(_:)`` throw.
    public func connect(capFile pathOrURI: String) async throws -> Capability {
        try await connect(CapFile.resolve(pathOrURI))
    }

    /// Closes the connection(s) ``connect(_:)`` uses for `ref`: the shared TLS connection to its
    /// key digest, or every insecure connection dialled to its address. Capabilities obtained
    /// over them fail afterwards with `disconnected`.
    public func disconnect(from ref: SturdyRef) async {
        let closing: [RPCConnection] = state.withLock { state in
            let matches = state.live.filter { _, connection in
                switch ref.authentication {
                case .insecure: connection.peer == nil && connection.dialled == ref.address
                case .sha256(let digest): connection.peer == digest && connection.dialled != nil
                }
            }
            for id in matches.keys { state.live[id] = nil }
            if case .sha256(let digest) = ref.authentication { state.outgoing[digest] = nil }
            return matches.values.map(\.rpc)
        }
        for rpc in closing { await rpc.close() }
    }

    /// The TLS connection to `digest`, dialling `ref` if there is none (or joining an attempt
    /// in progress).
    private func sharedConnection(to ref: SturdyRef, digest: KeyDigest) async throws -> RPCConnection {
        let (id, task): (Int, Task<RPCConnection, any Error>) = try state.withLock { state in
            guard !state.shutDown else { throw Self.shutDownError }
            if let existing = state.outgoing[digest] { return existing }
            let id = state.allocateID()
            let task = Task { try await self.open(ref, shared: (digest, id)) }
            state.outgoing[digest] = (id, task)
            return (id, task)
        }
        do {
            return try await task.value
        } catch {
            state.withLock { state in
                if state.outgoing[digest]?.id == id { state.outgoing[digest] = nil }
            }
            throw error
        }
    }

    /// Dials `ref` and runs an RPC connection over it in a background task until it ends.
    ///
    /// - Parameter shared: the digest under which the connection is shared and the ID of that
    ///   entry, removed again when the connection ends.
    private func open(_ ref: SturdyRef, shared: (digest: KeyDigest, id: Int)?) async throws -> RPCConnection {
        let ready = PromiseCell<Result<RPCConnection, any Error>>()
        let (network, restorer, logger) = (network, services.restorer, logger)
        try state.withLock { state in
            guard !state.shutDown else { throw Self.shutDownError }
            let runnerID = state.allocateID()
            state.runners[runnerID] = Task {
                var liveID: Int?
                do {
                    try await network.connect(to: ref) { transport, _ in
                        let rpc = RPCConnection(
                            transport: transport,
                            services: restorer,
                            limits: network.limits.rpc,
                            logger: logger
                        )
                        let peer: KeyDigest? =
                            if case .sha256(let digest) = transport.peer { digest } else { nil }
                        liveID = self.register(LiveConnection(rpc: rpc, peer: peer, dialled: ref.address))
                        guard liveID != nil else {
                            await rpc.close()
                            throw Self.shutDownError
                        }
                        await rpc.start()
                        ready.resolve(.success(rpc))
                        let reason = await rpc.closedReason()
                        logger.debug("Connection to \(ref.address) ended: \(reason)")
                    }
                } catch {
                    ready.resolve(.failure(error))
                }
                self.connectionEnded(runnerID: runnerID, liveID: liveID, shared: shared)
            }
        }
        return try await ready.wait().get()
    }

    private func connectionEnded(runnerID: Int, liveID: Int?, shared: (digest: KeyDigest, id: Int)?) {
        state.withLock { state in
            state.runners[runnerID] = nil
            if let liveID { state.live[liveID] = nil }
            // Forget the shared connection only if it is still this one (not a newer dial).
            if let shared, state.outgoing[shared.digest]?.id == shared.id {
                state.outgoing[shared.digest] = nil
            }
        }
    }
}
