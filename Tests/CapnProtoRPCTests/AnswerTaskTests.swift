// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoTestSupport
import Testing

@testable import CapnProtoRPC

/// An answer stays in the table after its Return until the caller's Finish, which a caller holding a
/// capability from the results sends only when it lets go of it. The answer must not keep the finished task
/// that ran the call meanwhile: a task's memory (its frames' slabs) lives as long as its handle.
@Suite struct AnswerTaskTests {
    @Test func aReturnedAnswerKeepsNoTask() async throws {
        let vats = await Vats.make()
        let response = try await vats.service.makeCounter(start: 1)
        let counter = Counter.Client(try response.capability(response.results.counter))
        #expect(try await counter.increment(by: 1).results.value == 2)
        // `response` is still held, so its answer is not finished.
        #expect(await vats.server.answersAwaitingFinish >= 1)
        #expect(await vats.server.returnedAnswersHoldingTasks == 0)
        withExtendedLifetime(response) {}
    }
}

extension RPCConnection {
    fileprivate var answersAwaitingFinish: Int { answers.values.filter { $0.returned && !$0.finishReceived }.count }
    fileprivate var returnedAnswersHoldingTasks: Int { answers.values.filter { $0.returned && $0.task != nil }.count }
}
