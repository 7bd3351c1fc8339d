// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Synchronization

/// A reference to an object that can be called: local, on the other side of a connection,
/// or not yet known (the promised result of a call still in flight).
///
/// Holding a `Capability` keeps the object alive; when the last `Capability` for an imported
/// object goes away, the engine tells the peer (a `Release`), and when the last one for a
/// question's results goes, it sends `Finish`.
public final class Capability: Sendable {
    enum Target: Sendable {
        case local(any CapabilityServer)
        case imported(ImportRef)
        case pipelined(QuestionRef, [UInt16])
        case promise(PromiseCell<Capability>)
        case broken(RPCError)
    }

    /// A pipelined capability can be pointed elsewhere once its question returns (see
    /// ``redirect(to:)``); every other target is fixed.
    private enum Storage: Sendable {
        case fixed(Target)
        case movable(MovableTarget)
    }

    private let storage: Storage
    /// See ``executor``: made on the first call, since most local capabilities handed out are
    /// never called (a scheduler holds one per queued job's ticket).
    private let madeExecutor = AtomicLazyReference<SerialCallExecutor>()

    init(target: Target) {
        switch target {
        case .pipelined(let question, _):
            let movable = MovableTarget(target)
            storage = .movable(movable)
            question.register(self)
        default:
            storage = .fixed(target)
        }
    }

    /// Where calls on a local server run, so they start in the order they were made; nil for
    /// any other target.
    var executor: SerialCallExecutor? {
        guard case .fixed(.local) = storage else { return nil }
        return madeExecutor.load() ?? madeExecutor.storeIfNil(SerialCallExecutor())
    }

    /// Where calls go now.
    var target: Target {
        switch storage {
        case .fixed(let target): target
        case .movable(let movable): movable.current
        }
    }

    /// Points a pipelined capability straight at `target`, which the question's results hold, so that it
    /// stops holding the question: once no one else does, the question is finished, as C++ and OCaml
    /// capnp do, and the peer can drop its answer. Only for targets that keep call order (an import from
    /// the same peer, or a broken capability).
    func redirect(to target: Target) {
        guard case .movable(let movable) = storage else { return }
        movable.set(target)
    }

    /// A capability served by `server` in this process. When it goes (the last local holder and
    /// every peer's export of it), the server's ``CapabilityServer/released()`` runs; calls in
    /// flight hold the server, not the capability.
    public convenience init(_ server: any CapabilityServer) {
        self.init(target: .local(server))
    }

    deinit {
        if case .fixed(.local(let server)) = storage { server.released() }
    }

    /// A capability on which every call fails with `error`.
    public static func broken(_ error: RPCError) -> Capability { Capability(target: .broken(error)) }

    /// A capability known later: calls made on it wait until `promise` resolves, then go to the capability it
    /// gives. Sent to a peer meanwhile, it is exported as an object of this process, which holds the calls.
    public static func promised(_ promise: PromiseCell<Capability>) -> Capability {
        Capability(target: .promise(promise))
    }

    /// The server behind a local capability, if it is one.
    public var localServer: (any CapabilityServer)? {
        if case .local(let server) = target { return server }
        return nil
    }

    /// Starts a call: `build` writes the parameters. Calls started one after another on the
    /// same capability are sent in that order.
    ///
    /// - Returns: the call in flight, whose results can be awaited or pipelined on.
    nonisolated(nonsending) public func send(
        interfaceId: UInt64,
        methodId: UInt16,
        _ build: (RPCPayloadBuilder) throws -> Void
    ) async -> RPCCall {
        let (payload, call) = RPCPayloadBuilder.call(interfaceId: interfaceId, methodId: methodId)
        do {
            try build(payload)
        } catch {
            return RPCCall(failed: RPCError.from(error))
        }
        return await deliver(OutgoingCall(payload: payload, call: call))
    }

    /// Makes a call and waits for its results.
    nonisolated(nonsending) public func call(
        interfaceId: UInt64,
        methodId: UInt16,
        _ build: (RPCPayloadBuilder) throws -> Void = { _ in }
    ) async throws -> RPCPayload {
        try await send(interfaceId: interfaceId, methodId: methodId, build).response()
    }

    /// Routes an outgoing call to wherever this capability currently points.
    nonisolated(nonsending) func deliver(_ outgoing: sending OutgoingCall) async -> RPCCall {
        switch target {
        case .local(let server):
            return RPCCall.local(server: server, executor: executor, outgoing: outgoing)
        case .imported(let ref):
            if let call = ref.connection.sendHere(outgoing, to: .imported(ref)) { return call }
            return await ref.connection.send(outgoing, to: .imported(ref))
        case .pipelined(let question, let path):
            if let call = question.connection.sendHere(outgoing, to: .pipelined(question, path)) { return call }
            return await question.connection.send(outgoing, to: .pipelined(question, path))
        case .promise(let cell):
            guard let next = outgoing.redirected() else { return RPCCall(failed: OutgoingCall.cycleError) }
            return await cell.wait().deliver(next)
        case .broken(let error):
            return RPCCall(failed: error)
        }
    }

    /// Waits until the capability no longer stands for an unresolved local promise.
    public func whenResolved() async -> Capability {
        if case .promise(let cell) = target { return await cell.wait().whenResolved() }
        return self
    }
}

/// The mutable target of a pipelined capability.
final class MovableTarget: Sendable {
    private let state: Mutex<Capability.Target>

    init(_ target: Capability.Target) { state = Mutex(target) }

    var current: Capability.Target { state.withLock { $0 } }

    func set(_ target: Capability.Target) {
        // The old target (and the question it holds) is released outside the lock.
        let old = state.withLock { state in
            let old = state
            state = target
            return old
        }
        _ = old
    }
}

/// A call's message while it travels from the caller to the connection that sends it.
struct OutgoingCall: @unchecked Sendable {
    // Sendable: owned by one task at a time, handed along with `sending`; never shared.
    let payload: RPCPayloadBuilder
    let call: Call.Builder
    /// How many resolved promises have passed the call on so far.
    var hops = 0

    /// Promises one call may pass through before it is failed: a peer can resolve promises into a
    /// cycle (A to B, B to A), which would otherwise pass the call round forever.
    static let maxHops = 64

    init(payload: RPCPayloadBuilder, call: Call.Builder) {
        self.payload = payload
        self.call = call
    }

    /// The call passed on by one more resolved promise, or nil when it has gone round too many.
    func redirected() -> OutgoingCall? {
        guard hops < Self.maxHops else { return nil }
        var next = self
        next.hops += 1
        return next
    }

    /// Why a call that went round too many promises failed.
    static let cycleError = RPCError(.failed, "the call went round a cycle of promises (\(maxHops) resolutions)")
}
