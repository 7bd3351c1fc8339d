// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// The message-wide traversal budget and reading the same message from several tasks.
@Suite struct MessageReaderTests {
    @Test func everyReadIsCharged() throws {
        let reader = try Framing.decode(RawSchema.sampleMessage().serialize())
        let start = reader.remainingTraversalWords
        #expect(start == ReaderOptions.default.traversalLimitWords)
        let root = try reader.root()
        #expect(reader.remainingTraversalWords == start - 14, "6 data words + 8 pointers")
        _ = try root.readText(RawSchema.text)
        #expect(reader.remainingTraversalWords == start - 15)
        _ = try root.readList(RawSchema.inners, expecting: .structs)
        #expect(reader.remainingTraversalWords == start - 19, "two 2-word elements")
    }

    @Test func concurrentReadersShareOneBudget() async throws {
        let bytes = RawSchema.sampleMessage().serialize()
        // Exactly 800 root reads of 14 words each.
        let reader = try Framing.decode(bytes, options: ReaderOptions(traversalLimitWords: 14 * 800))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<100 {
                        let root = try reader.root()
                        #expect(root.read(UInt16.self, at: RawSchema.count) == 42)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(reader.remainingTraversalWords == 0, "no charge lost between tasks")
        let error = #expect(throws: CapnProtoError.self) { try reader.root() }
        #expect(error?.code == .traversalLimitExceeded)
    }

    @Test func decodesFromASliceWithOffset() throws {
        let first = RawSchema.sampleMessage(firstSegmentWords: 4, growth: .fixed).serialize()
        let stream = [0xAB, 0xCD] + first
        let reader = try Framing.decode(stream[2...])
        try RawSchema.expectSample(try reader.root())
    }
}
