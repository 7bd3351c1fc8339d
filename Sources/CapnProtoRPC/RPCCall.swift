// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks

/// A call in flight: await its results, or call capabilities in them before they arrive
/// (promise pipelining).
public final class RPCCall: Sendable {
    enum Source: Sendable {
        case question(QuestionRef)
        case local(PromiseCell<Result<RPCPayload, RPCError>>)
    }

    let source: Source

    init(source: Source) {
        self.source = source
    }

    convenience init(failed error: RPCError) {
        self.init(source: .local(PromiseCell(resolved: .failure(error))))
    }

    /// Runs a call on a server in this process.
    static func local(
        server: any CapabilityServer,
        executor: SerialCallExecutor?,
        outgoing: sending OutgoingCall
    ) -> RPCCall {
        let cell = PromiseCell<Result<RPCPayload, RPCError>>()
        let serverCall = ServerCall(
            interfaceId: outgoing.call.interfaceId,
            methodId: outgoing.call.methodId,
            params: outgoing.payload.asPayload()
        )
        Task(executorPreference: executor) {
            do {
                try await server.dispatch(serverCall)
                cell.resolve(.success(serverCall.takeResults().0.asPayload()))
            } catch {
                cell.resolve(.failure(RPCError.from(error)))
            }
        }
        return RPCCall(source: .local(cell))
    }

    /// Waits for the results; throws the callee's exception.
    nonisolated(nonsending) public func response() async throws -> RPCPayload {
        try await outcome.wait().get()
    }

    /// Waits for the results like ``response()``, but throws `CancellationError` as soon as the waiting task
    /// is cancelled; the call itself goes on until its last holder lets go of it (a Finish then tells the
    /// callee). No task of its own: a server forwarding a call waits like this in the task of the call it
    /// forwards.
    nonisolated(nonsending) public func responseUnlessCancelled() async throws -> RPCPayload {
        guard let settled = await outcome.waitUnlessCancelled() else { throw CancellationError() }
        return try settled.get()
    }

    /// Where the results arrive.
    private var outcome: PromiseCell<Result<RPCPayload, RPCError>> {
        switch source {
        case .question(let question): question.result
        case .local(let cell): cell
        }
    }

    /// A capability in the results, reached through pointer fields `path` (struct by
    /// struct), usable before the results arrive.
    public func pipeline(_ path: [UInt16]) -> Capability {
        switch source {
        case .question(let question):
            return Capability(target: .pipelined(question, path))
        case .local(let cell):
            let promise = PromiseCell<Capability>()
            Task {
                switch await cell.wait() {
                case .success(let payload): promise.resolve(payload.capability(at: path))
                case .failure(let error): promise.resolve(.broken(error))
                }
            }
            return Capability(target: .promise(promise))
        }
    }
}
