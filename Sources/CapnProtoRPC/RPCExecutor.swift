// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Where a connection's engine runs (a serial executor), and a way to run plain closures in the
/// same place: the server calls the connection reads start there (see ``SerialCallExecutor``).
public protocol RPCExecutor: AnyObject, Sendable {
    /// The serial executor the connection's actor runs on. It must be the executor's own
    /// identity (the one its jobs run on), or every hop to the actor would hop again.
    var serialExecutor: UnownedSerialExecutor { get }
    /// Runs `work` soon, after what is already queued, on the serial executor's thread.
    func execute(_ work: @escaping @Sendable () -> Void)
}

/// An actor that exists only to lend its executor: a connection whose transport offers no
/// thread runs on this default-actor executor, on the cooperative pool, where a task hopping
/// to it from another pool thread usually carries on in the same thread (a custom executor
/// always takes a queue and a wake-up).
actor ExecutorDonor {}
