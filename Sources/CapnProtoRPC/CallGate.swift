// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks

/// What an incoming call would only wait for, given by its server (``CapabilityServer/gate(for:)``) so that
/// the engine holds the call without a task until then, and then runs it as any other.
///
/// A call waiting in a task keeps the task and its frames, several kilobytes; a held call a few hundred
/// bytes. A scheduler has one such call per queued job (`Ticket.job`, answered when a worker takes the job),
/// so at a deep queue this is much of its memory.
public protocol CallGate: Sendable {
    /// Calls `open` once, from any thread, when the gate opens. Returns an id for ``forget(_:)``, or nil
    /// without calling `open` when the gate is open already.
    func whenOpen(_ open: @escaping @Sendable () -> Void) -> UInt64?
    /// Drops a waiter that has not been called.
    func forget(_ waiter: UInt64)
}

/// A promise is a gate that opens when it is resolved.
extension PromiseCell: CallGate {
    public func whenOpen(_ open: @escaping @Sendable () -> Void) -> UInt64? { onResolve(open) }

    public func forget(_ waiter: UInt64) { removeCallback(waiter) }
}
