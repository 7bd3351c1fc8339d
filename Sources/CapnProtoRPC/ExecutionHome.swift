// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Where an actor's code runs, decided once when the actor is made, and the one way to get onto
/// it from outside: run here when already on its thread, else hop.
///
/// An actor given an ``RPCExecutor`` (an event loop) runs on that thread: a caller already there
/// is isolated to the actor at once, so ``perform(on:_:)`` runs its body synchronously with no
/// task, no queue and no wake-up, and ``enqueue(on:_:)`` queues a plain closure on the thread. An
/// actor given none runs on a default-actor executor on the cooperative pool (lent by a private
/// actor), where hopping is an ordinary `await` or task. This is the pattern of NIO's `EventLoop`
/// as a `SerialExecutor` with `NIOLoopBound`; see the "Where code runs" article.
///
/// The home never changes: an actor keeps it in a `let` and returns ``serialExecutor`` from its
/// `unownedExecutor`.
public struct ExecutionHome: Sendable {
    /// The thread's executor, or nil for the cooperative pool.
    public let executor: (any RPCExecutor)?
    /// Lends its default-actor executor when there is no thread (see ``ExecutorDonor``); kept
    /// here because actors hold their executor unowned.
    private let donor: ExecutorDonor?
    /// What the actor's `unownedExecutor` returns.
    public let serialExecutor: UnownedSerialExecutor

    /// A home on `executor`'s thread, or on the cooperative pool when it is nil.
    public init(_ executor: (any RPCExecutor)?) {
        self.executor = executor
        if let executor {
            donor = nil
            serialExecutor = executor.serialExecutor
        } else {
            let donor = ExecutorDonor()
            self.donor = donor
            serialExecutor = donor.unownedExecutor
        }
    }

    /// Whether the caller runs on the home thread now (so an actor placed here is isolated).
    @inlinable
    public var isCurrent: Bool { executor?.isCurrent ?? false }

    /// Runs `body` isolated to `actor` when the caller is on the home thread already, and returns
    /// its result; nil (without running it) anywhere else. `actor` must live in this home.
    @inlinable
    public func runHere<A: Actor, T: Sendable>(
        _ actor: A,
        _ body: @Sendable (isolated A) throws -> T
    ) rethrows -> T? {
        guard let executor, executor.isCurrent else { return nil }
        return try actor.assumeIsolated { try body($0) }
    }

    /// Runs `body` isolated to `actor` and returns its result: synchronously when the caller is on
    /// the home thread (no hop there and back), else as an ordinary actor call. `body` is one
    /// synchronous step. `actor` must live in this home.
    @inlinable
    nonisolated(nonsending) public func perform<A: Actor, T: Sendable, Failure: Error>(
        on actor: A,
        _ body: @Sendable (isolated A) throws(Failure) -> T
    ) async throws(Failure) -> T {
        if let result = performHere(actor, body) { return try result.get() }
        return try await body(actor)
    }

    /// The synchronous part of ``perform(on:_:)`` (isolation cannot be assumed in an async function).
    @usableFromInline
    func performHere<A: Actor, T: Sendable, Failure: Error>(
        _ actor: A,
        _ body: @Sendable (isolated A) throws(Failure) -> T
    ) -> Result<T, Failure>? {
        guard let executor, executor.isCurrent else { return nil }
        return actor.assumeIsolated { actor in Result { () throws(Failure) -> T in try body(actor) } }
    }

    /// Runs `body` isolated to `actor` soon, after what is queued: a closure on the home thread (no
    /// task, no wake-up when queued from that thread), else a task. For work queued from `deinit`s
    /// and callbacks, which cannot await. `actor` must live in this home.
    @inlinable
    public func enqueue<A: Actor>(on actor: A, _ body: @escaping @Sendable (isolated A) -> Void) {
        if let executor {
            executor.execute { actor.assumeIsolated { body($0) } }
        } else {
            Task { await body(actor) }
        }
    }
}
