// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// One thread's worth of work: where a connection's engine runs (a serial executor), a way to run
/// plain closures there, and a task executor for nonisolated code that should stay on that thread
/// too (the server calls the connection reads, see ``SerialCallExecutor``; a client's calls; an
/// actor that serves many connections, like a scheduler).
public protocol RPCExecutor: TaskExecutor {
    /// The serial executor the connection's actor runs on. It must be the executor's own
    /// identity (the one its jobs run on), or every hop to the actor would hop again.
    var serialExecutor: UnownedSerialExecutor { get }
    /// Runs `work` soon, after what is already queued, on the serial executor's thread.
    func execute(_ work: @escaping @Sendable () -> Void)
    /// Whether the caller is on the serial executor's thread (so an actor placed there is isolated now).
    var isCurrent: Bool { get }
}

/// An actor that exists only to lend its executor: an actor that can be placed on an
/// ``RPCExecutor`` but was given none runs on this default-actor executor, on the cooperative
/// pool, where a task hopping to it from another pool thread usually carries on in the same
/// thread (a custom executor always takes a queue and a wake-up). Used by ``ExecutionHome``.
actor ExecutorDonor {
    init() {}
}
