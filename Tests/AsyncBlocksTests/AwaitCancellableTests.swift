// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Testing

@Suite struct AwaitCancellableTests {
    @Test func returnsTheResult() async throws {
        #expect(try await awaitCancellable { 42 } == 42)
    }

    /// Cancelling the caller returns at once; the operation goes on and its result goes to `abandoned`.
    @Test func stopsWaitingOnCancel() async throws {
        let gate = PromiseCell<Int>()
        let started = PromiseCell<Void>()
        let abandoned = PromiseCell<Result<Int, any Error>>()
        let caller = Task {
            try await awaitCancellable(
                {
                    started.resolve(())
                    return await gate.wait()
                },
                abandoned: { abandoned.resolve($0) }
            )
        }
        await started.wait()
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(abandoned.current == nil)
        gate.resolve(9)
        #expect(try await abandoned.wait().get() == 9)
    }

    /// A caller cancelled already does not start the operation.
    @Test func alreadyCancelled() async {
        let started = PromiseCell<Void>()
        let caller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await awaitCancellable { started.resolve(()) }
        }
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(started.current == nil)
    }
}
