// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An incoming call kept without a task until its server's ``CallGate`` opens (see ``AnswerEntry/held``).
/// A class, so that a gate that opens late can tell its call from a later one under the same answer id.
final class HeldCall: Sendable {
    let call: ServerCall
    let server: any CapabilityServer
    let executor: SerialCallExecutor?
    let gate: any CallGate
    /// The waiter's id in the gate; set once, on the connection's thread, before it can run.
    nonisolated(unsafe) var waiter: UInt64 = 0

    init(call: ServerCall, server: any CapabilityServer, executor: SerialCallExecutor?, gate: any CallGate) {
        self.call = call
        self.server = server
        self.executor = executor
        self.gate = gate
    }
}
