// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An object that answers calls: the implementation behind a local ``Capability``.
///
/// Generated server protocols refine this and switch on the method; hand-written servers can
/// implement it directly. A thrown ``RPCError`` reaches the caller as is; any other error
/// becomes `failed` with its description.
public protocol CapabilityServer: Sendable {
    /// Handles one call: read `call.params`, write `call.results`.
    func dispatch(_ call: ServerCall) async throws

    /// Called once the ``Capability`` made for this server is gone: no one (here or on a peer)
    /// holds it any more, though calls already made may still be running. capnp-rpc's `release`:
    /// ocluster's worker cancels a build there, whatever calls are still pending on its `Job`.
    func released()

    /// What `call` would only wait for, if anything: the engine then holds it without a task until the
    /// gate opens (see ``CallGate``). Called on the connection's thread as the call arrives; must be quick.
    func gate(for call: ServerCall) -> (any CallGate)?
}

extension CapabilityServer {
    public func released() {}

    public func gate(for call: ServerCall) -> (any CallGate)? { nil }
}

/// One incoming call as a server sees it.
public final class ServerCall: @unchecked Sendable {
    // Sendable: a ServerCall is handed to exactly one task (the one running `dispatch`) and the
    // engine reads `results` only after that task has finished.

    /// The interface the method belongs to.
    public let interfaceId: UInt64
    /// The method's ordinal.
    public let methodId: UInt16
    /// The parameters.
    public let params: RPCPayload
    private var resultsBuilder: (RPCPayloadBuilder, Return.Builder)?

    init(interfaceId: UInt64, methodId: UInt16, params: RPCPayload) {
        self.interfaceId = interfaceId
        self.methodId = methodId
        self.params = params
    }

    convenience init(_ incoming: IncomingCall) {
        self.init(interfaceId: incoming.interfaceId, methodId: incoming.methodId, params: incoming.params)
    }

    /// Where the results go; created on first use (an empty result struct if never used).
    public var results: RPCPayloadBuilder {
        if let existing = resultsBuilder { return existing.0 }
        let made = RPCPayloadBuilder.results()
        resultsBuilder = made
        return made.0
    }

    /// The finished Return message (content and capabilities), for the engine.
    func takeResults() -> (RPCPayloadBuilder, Return.Builder) {
        if let existing = resultsBuilder { return existing }
        _ = results
        return takeResults()
    }

    /// Fails the call as unimplemented; for servers' `default:` branches.
    public func unimplemented() -> RPCError {
        RPCError(
            .unimplemented,
            "method \(methodId) of interface 0x\(String(interfaceId, radix: 16)) is not implemented"
        )
    }
}
