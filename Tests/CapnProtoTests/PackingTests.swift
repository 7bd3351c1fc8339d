// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// The packed encoding: round trips, the C++ run heuristic, truncated and oversized input.
@Suite struct PackingTests {
    /// Words that are mostly zero, mostly non-zero, or mixed, as real messages are.
    static func randomWords(_ count: Int, using generator: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<count {
            switch generator.next() % 4 {
            case 0: bytes += [UInt8](repeating: 0, count: 8)
            case 1: bytes += (0..<8).map { _ in UInt8.random(in: 1...255, using: &generator) }
            default:
                bytes += (0..<8).map { _ in generator.next() % 3 == 0 ? UInt8.random(in: 0...255, using: &generator) : 0
                }
            }
        }
        return bytes
    }

    @Test(arguments: 0..<50)
    func randomBytesRoundTrip(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let bytes = Self.randomWords(Int(generator.next() % 600), using: &generator)
        let packed = Packing.pack(bytes)
        #expect(try Packing.unpack(packed) == bytes)
    }

    @Test(arguments: [1, 2, 5, 64, 1024])
    func messagesRoundTrip(firstSegmentWords: Int) throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: firstSegmentWords, growth: .fixed)
        let packed = message.serializePacked()
        #expect(packed.count < message.serialize().count)
        #expect(try Packing.unpack(packed) == message.serialize())
        try RawSchema.expectSample(try Packing.decode(packed).root())
    }

    @Test func longRunsSplitAt255Words() throws {
        let zeros = [UInt8](repeating: 0, count: 8 * 600)
        // Tag 0 plus a count of 255 further words, twice (512 words), then 88 words.
        #expect(Packing.pack(zeros) == [0, 255, 0, 255, 0, 87])
        let ones = [UInt8](repeating: 1, count: 8 * 300)
        let packed = Packing.pack(ones)
        #expect(packed.count == (1 + 8 + 1 + 255 * 8) + (1 + 8 + 1 + 43 * 8))
        #expect(try Packing.unpack(packed) == ones)
    }

    @Test func wordsWithTwoZerosEndALiteralRun() {
        let word: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let twoZeros: [UInt8] = [1, 0, 3, 0, 5, 6, 7, 8]
        #expect(Packing.pack(word + twoZeros) == [0xFF] + word + [0] + [0b1111_0101, 1, 3, 5, 6, 7, 8])
        let oneZero: [UInt8] = [1, 0, 3, 4, 5, 6, 7, 8]
        #expect(Packing.pack(word + oneZero) == [0xFF] + word + [1] + oneZero)
    }

    @Test func partialWordIsPaddedWithZeros() throws {
        #expect(try Packing.unpack(Packing.pack([7, 0, 9])) == [7, 0, 9, 0, 0, 0, 0, 0])
    }

    @Test func everyTruncationThrowsInvalidPacking() throws {
        var generator = SplitMix64(seed: 7)
        let bytes = Self.randomWords(80, using: &generator)
        let packed = Packing.pack(bytes)
        for length in 0..<packed.count {
            do {
                let unpacked = try Packing.unpack(Array(packed[..<length]))
                // A cut between words is valid packing of fewer words.
                #expect(unpacked.count % 8 == 0)
                #expect(Array(bytes.prefix(unpacked.count)) == unpacked)
            } catch let error as CapnProtoError {
                #expect(error.code == .invalidPacking, "prefix of \(length) bytes")
            }
        }
    }

    @Test func zeroRunBombIsBounded() throws {
        // Two bytes expand to 2 KiB; the bound stops the expansion instead of allocating it.
        let bomb: [UInt8] = (0..<4096).map { $0 % 2 == 0 ? 0 : 255 }
        #expect(try Packing.unpack(bomb).count == 2048 * 2048)
        let error = #expect(throws: CapnProtoError.self) { try Packing.unpack(bomb, maxBytes: 1 << 20) }
        #expect(error?.code == .segmentTooLarge)
        let decodeError = #expect(throws: CapnProtoError.self) {
            try Packing.decode(bomb, options: ReaderOptions(traversalLimitWords: 1 << 16))
        }
        #expect(decodeError?.code == .segmentTooLarge)
    }
}
