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

    /// The packer against a byte-at-a-time statement of the C++ algorithm.
    @Test(arguments: 0..<50)
    func packMatchesReference(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var bytes = Self.randomWords(Int(generator.next() % 700), using: &generator)
        // Long runs too, to reach the 255-word limits.
        if seed % 5 == 0 { bytes += [UInt8](repeating: 0, count: 8 * 300) + [UInt8](repeating: 9, count: 8 * 300) }
        #expect(Packing.pack(bytes) == Self.referencePack(bytes))
    }

    static func referencePack(_ bytes: [UInt8]) -> [UInt8] {
        let words = (0..<bytes.count / 8).map { Array(bytes[($0 * 8)..<($0 * 8 + 8)]) }
        var out: [UInt8] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            var tag: UInt8 = 0
            for (bit, byte) in word.enumerated() where byte != 0 { tag |= 1 << UInt8(bit) }
            out.append(tag)
            out += word.filter { $0 != 0 }
            if tag == 0 {
                var run = 0
                while index < words.count, run < 255, words[index].allSatisfy({ $0 == 0 }) {
                    run += 1
                    index += 1
                }
                out.append(UInt8(run))
            } else if tag == 0xFF {
                var run = 0
                while index + run < words.count, run < 255, words[index + run].filter({ $0 == 0 }).count < 2 {
                    run += 1
                }
                out.append(UInt8(run))
                for word in words[index..<(index + run)] { out += word }
                index += run
            }
        }
        return out
    }

    /// `serializePacked` packs the segments where they lie: the same bytes as packing the frame.
    @Test(arguments: [1, 2, 5, 64, 1024])
    func serializePackedEqualsPackedFrame(firstSegmentWords: Int) {
        let message = RawSchema.sampleMessage(firstSegmentWords: firstSegmentWords, growth: .fixed)
        #expect(message.serializePacked() == Packing.pack(message.serialize()))
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
