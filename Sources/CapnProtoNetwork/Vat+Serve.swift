// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Logging
import Synchronization

extension Vat {
    /// The address actually bound (with the real port for `tcp:HOST:0`), once started.
    public var boundAddress: VatAddress? {
        state.withLock { $0.listener?.address }
    }

    /// The bound TCP port, once started; `nil` for Unix sockets and before ``start()``.
    public var port: Int? {
        state.withLock { $0.listener?.port }
    }

    /// How many RPC connections are open: accepted ones and out-going ones (shared TLS
    /// connections count once; each insecure dial counts).
    public var openConnectionCount: Int {
        state.withLock { $0.live.count }
    }

    /// Binds the listen address (if not done yet) and returns the bound address. Calling it
    /// again returns the same address. Connections are served by ``run()``.
    ///
    /// - Throws: ``NetworkErrorCode/invalidAddress`` for a client-only vat,
    ///   ``NetworkErrorCode/connectionFailed`` when the address cannot be bound,
    ///   ``NetworkErrorCode/connectionClosed`` after ``shutdown()``.
    @discardableResult
    public func start() async throws -> VatAddress {
        guard let listenAddress, let secretKey else {
            throw NetworkError(.invalidAddress, "this vat was not configured with a listen address")
        }
        let (network, serveTLS) = (network, serveTLS)
        let task: Task<VatListener, any Error> = try state.withLock { state in
            guard !state.shutDown else { throw Self.shutDownError }
            if let task = state.startTask { return task }
            let task = Task {
                try await network.listen(address: listenAddress, secretKey: secretKey, serveTLS: serveTLS)
            }
            state.startTask = task
            return task
        }
        let listener: VatListener
        do {
            listener = try await task.value
        } catch {
            state.withLock { if $0.startTask == task { $0.startTask = nil } }
            throw error
        }
        let closeNow = state.withLock { state in
            state.listener = listener
            return state.shutDown
        }
        if closeNow {
            await listener.close()
            throw Self.shutDownError
        }
        return listener.address
    }

    /// Serves connections until ``shutdown()`` or task cancellation, then returns once every
    /// accepted connection has closed. Binds first if ``start()`` was not called; returns at
    /// once if the vat is already shut down.
    ///
    /// Each accepted connection (after its TLS handshake) gets its own ``RPCConnection`` whose
    /// Bootstrap requests are answered from this vat's services.
    ///
    /// - Throws: what ``start()`` throws, or ``NetworkErrorCode/connectionFailed`` when the vat
    ///   is already running.
    public func run() async throws {
        do {
            try await start()
        } catch {
            if state.withLock({ $0.shutDown }) { return }
            throw error
        }
        let listener: VatListener? = try state.withLock { state in
            guard !state.running else { throw NetworkError(.connectionFailed, "the vat is already running") }
            state.running = true
            return state.shutDown ? nil : state.listener
        }
        guard let listener else { return }
        logger.info("Serving on \(listener.address) as \(authentication)")
        try await withTaskCancellationHandler {
            try await listener.run { [self] transport in
                try await serve(transport)
            }
        } onCancel: {
            Task { await self.shutdown() }
        }
    }

    /// Runs one accepted connection until it ends.
    private func serve(_ transport: NIORPCTransport) async throws {
        let peer: KeyDigest? =
            if case .sha256(let digest) = transport.peer { digest } else { nil }
        let admission = admit()
        if case .refused(let error) = admission {
            network.drops.record(.tooManyConnections, peer: transport.connectionDescription, error: error)
            try? transport.send(frame: RPCConnection.abortFrame(error))
            await transport.close()
            return
        }
        let onReserve = admission == .onReserve
        let holder = ConnectionHolder()
        // On the reserve, only a reserved service (a worker's or admin's) may be restored.
        let restorer: @Sendable ([UInt8]) -> Capability? = { [self] bytes in
            let id = ServiceID(bytes: bytes)
            guard onReserve, !reservedServices.withLock({ $0.contains(id.digest) }) else {
                return services.restore(id)
            }
            let error = RPCError(.overloaded, "too many connections: only reserved services are served now")
            // The restorer runs inside the engine: abort there and then, before any Return.
            holder.rpc?.assumeIsolated { $0.abortConnection(error) }
            return nil
        }
        let rpc = RPCConnection(transport: transport, services: restorer, limits: network.limits.rpc, logger: logger)
        holder.rpc = rpc
        guard let id = register(LiveConnection(rpc: rpc, peer: peer, dialled: nil)) else {
            await rpc.close()
            return
        }
        logger.debug("Accepted connection \(transport.connectionDescription) from \(transport.peer)")
        await rpc.start()
        let reason = await rpc.closedReason()
        logger.debug("Connection \(id) ended: \(reason)")
        // We ended it (the engine logged why): count it.
        if reason.kind != .disconnected { network.drops.recordEngineAbort(reason) }
        _ = state.withLock { $0.live.removeValue(forKey: id) }
    }

    /// Whether one more accepted connection may open (see ``ConnectionLimits``).
    private func admit() -> Admission {
        let limit = connectionLimit
        let reserve = network.limits.reservedConnections
        let open = state.withLock { state in state.live.values.count { $0.dialled == nil } }
        if open >= limit {
            return .refused(RPCError(.overloaded, "too many connections (\(open) open, limit \(limit))"))
        }
        return open >= limit - reserve ? .onReserve : .admitted
    }

    /// Services a connection may still restore once only the reserve is left (see
    /// ``ConnectionLimits``): ocluster's scheduler reserves its pool registrations and admin.
    public func setReservedServices(_ ids: [ServiceID]) {
        let digests = Set(ids.map(\.digest))
        reservedServices.withLock { $0 = digests }
    }

    /// Records an open connection; `nil` (and the caller closes it) once the vat is shut down.
    func register(_ connection: LiveConnection) -> Int? {
        state.withLock { state in
            guard !state.shutDown else { return nil }
            let id = state.allocateID()
            state.live[id] = connection
            return id
        }
    }

    /// Stops listening and closes every connection, in and out, then waits for them to end.
    /// Capabilities obtained from this vat fail afterwards with `disconnected`. Idempotent.
    public func shutdown() async {
        let (listener, startTask, live, runners, pending) = state.withLock { state in
            state.shutDown = true
            let result = (
                state.listener, state.startTask, Array(state.live.values), Array(state.runners.values),
                state.outgoing.values.map(\.task)
            )
            state.live = [:]
            state.outgoing = [:]
            return result
        }
        if let listener {
            await listener.close()
        } else if let startTask, let listener = try? await startTask.value {
            await listener.close()
        }
        for task in pending { task.cancel() }
        for connection in live { await connection.rpc.close() }
        for runner in runners { await runner.value }
    }

    static var shutDownError: NetworkError {
        NetworkError(.connectionClosed, "the vat has been shut down")
    }
}

extension SturdyRef.Authentication: CustomStringConvertible {
    /// `insecure`, or the digest as capnp-rpc logs it (`sha-256@…`).
    public var description: String {
        switch self {
        case .insecure: "insecure"
        case .sha256(let digest): "\(digest)"
        }
    }
}

/// How ``Vat`` takes a new accepted connection.
enum Admission: Equatable {
    case admitted
    /// Only the reserve is left: the connection may restore only reserved services.
    case onReserve
    case refused(RPCError)
}

/// The engine of a connection, for its restorer (made before the engine) to abort it.
final class ConnectionHolder: @unchecked Sendable {
    // @unchecked Sendable: set once, before the engine starts reading (so before any restore).
    var rpc: RPCConnection?
}
