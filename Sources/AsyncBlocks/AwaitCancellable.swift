// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Awaits `operation` so that cancelling the caller returns at once with `CancellationError`, even when the
/// operation itself cannot be interrupted (an RPC waiting for its answer): "stop waiting on cancel".
///
/// The operation runs in an unstructured task, which is the point: it goes on after the caller gave up, and
/// `abandoned` receives its result then (e.g. a job popped just as the worker stopped asking, which must be
/// failed rather than dropped silently). A caller cancelled before the call does not start the operation.
public func awaitCancellable<T: Sendable>(
    _ operation: @escaping @Sendable () async throws -> T,
    abandoned: @escaping @Sendable (Result<T, any Error>) -> Void = { _ in }
) async throws -> T {
    if Task.isCancelled { throw CancellationError() }
    let outcome = PromiseCell<Result<T, any Error>>()
    // Unstructured on purpose: see the function's documentation.
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await operation()) } catch { result = .failure(error) }
        if !outcome.resolve(result) { abandoned(result) }
    }
    guard let result = await outcome.waitUnlessCancelled() else {
        outcome.resolve(.failure(CancellationError()))
        // The operation may have settled the promise first: then its result stands.
        return try (outcome.current ?? .failure(CancellationError())).get()
    }
    return try result.get()
}
