// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import Testing

/// Malformed and malicious input: every case must throw the expected ``CapnProtoError``,
/// never trap, hang or allocate without bound.
@Suite struct HostileInputTests {
    /// One line of `Fixtures/hostile/manifest.txt` (written by scripts/make-hostile-corpus.py).
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var operation: String
        var code: String
        var summary: String
        var testDescription: String { "\(file): \(summary)" }
    }

    static let codes: [String: CapnProtoError.Code] = [
        "truncatedFrame": .truncatedFrame,
        "tooManySegments": .tooManySegments,
        "segmentTooLarge": .segmentTooLarge,
        "pointerOutOfBounds": .pointerOutOfBounds,
        "unexpectedPointerType": .unexpectedPointerType,
        "traversalLimitExceeded": .traversalLimitExceeded,
        "nestingLimitExceeded": .nestingLimitExceeded,
        "invalidText": .invalidText,
        "invalidList": .invalidList,
        "invalidFarPointer": .invalidFarPointer,
        "invalidPacking": .invalidPacking,
    ]

    static var corpusDirectory: URL? {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("hostile")
    }

    static let cases: [Case] = {
        guard let directory = corpusDirectory,
            let manifest = try? String(contentsOf: directory.appendingPathComponent("manifest.txt"), encoding: .utf8)
        else { return [] }
        return manifest.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard fields.count == 4 else { return nil }
            return Case(file: fields[0], operation: fields[1], code: fields[2], summary: fields[3])
        }
    }()

    static func expectation(_ name: String) -> ListExpectation? {
        switch name {
        case "void": .void
        case "bit": .bit
        case "byte": .primitive(bytes: 1)
        case "pointer": .pointer
        case "structs": .structs
        default: nil
        }
    }

    /// Runs one manifest operation on `bytes`.
    static func run(_ operation: String, on bytes: [UInt8]) throws {
        if operation == "copy" {
            let source = try Framing.decode(bytes)
            let copy = MessageBuilder()
            try copy.rootPointer.set(source.rootPointer())
            let copied = try Framing.decode(copy.serialize())
            #expect(try MessageWalker.digest(copied.rootPointer()) == MessageWalker.digest(source.rootPointer()))
            return
        }
        if operation == "packed" {
            _ = try Packing.decode(bytes)
            return
        }
        let message = try Framing.decode(bytes)
        switch operation {
        case "frame":
            return
        case "root":
            _ = try message.root()
        case "walk":
            try MessageWalker.walk(message.rootPointer())
        case "text0":
            _ = try message.root().readText(0)
        case "data0":
            _ = try message.root().readData(0)
        case "struct0":
            _ = try message.root().readStruct(0)
        case "cap0":
            _ = try message.root().readCapability(0)
        default:
            let name = operation.replacingOccurrences(of: "list0-", with: "")
            let expected = try #require(expectation(name), "unknown operation \(operation)")
            _ = try message.root().readList(0, expecting: expected)
        }
    }

    @Test func corpusIsPresent() {
        #expect(Self.cases.count >= 50)
        #expect(Set(Self.cases.map(\.code)) == Set(Self.codes.keys).union(["ok"]))
    }

    @Test(arguments: cases)
    func corpusCaseThrowsExpectedError(_ hostile: Case) throws {
        let directory = try #require(Self.corpusDirectory)
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(hostile.file)))
        let budget = ContinuousClock.now
        if hostile.code == "ok" {
            try Self.run(hostile.operation, on: bytes)
            return
        }
        let expected = try #require(Self.codes[hostile.code], "unknown code \(hostile.code)")
        let error = #expect(throws: CapnProtoError.self) { try Self.run(hostile.operation, on: bytes) }
        #expect(error?.code == expected, "\(error.map(String.init(describing:)) ?? "no error")")
        #expect(ContinuousClock.now - budget < .seconds(30), "bounded work")
    }

    @Test func everyTruncatedFrameThrowsTruncatedFrame() throws {
        let message = RawSchema.sampleMessage(firstSegmentWords: 3, growth: .fixed)
        #expect(message.segmentCount > 2)
        let bytes = message.serialize()
        for length in 0..<bytes.count {
            let error = #expect(throws: CapnProtoError.self) { try Framing.decode(bytes[..<length]) }
            #expect(error?.code == .truncatedFrame, "prefix of \(length) bytes")
        }
        try RawSchema.expectSample(try Framing.decode(bytes).root())
    }

    @Test func everyTruncatedPackedFrameThrows() throws {
        let packed = RawSchema.sampleMessage(firstSegmentWords: 3, growth: .fixed).serializePacked()
        for length in 0..<packed.count {
            let error = #expect(throws: CapnProtoError.self) { try Packing.decode(Array(packed[..<length])) }
            #expect(
                error?.code == .truncatedFrame || error?.code == .invalidPacking,
                "prefix of \(length) bytes: \(error.map(String.init(describing:)) ?? "")"
            )
        }
    }

    @Test func corruptedMessagesNeverTrap() throws {
        // Every single-byte corruption of a multi-segment message: reading may fail, never trap.
        let original = RawSchema.sampleMessage(firstSegmentWords: 5, growth: .fixed).serialize()
        var generator = SplitMix64(seed: 42)
        var failures = 0
        for position in original.indices {
            for _ in 0..<4 {
                var bytes = original
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
                do {
                    let message = try Framing.decode(bytes, options: ReaderOptions(traversalLimitWords: 1 << 16))
                    try MessageWalker.walk(message.rootPointer())
                } catch is CapnProtoError {
                    failures += 1
                }
            }
        }
        #expect(failures > 0, "some corruptions must be detected")
    }

    @Test func amplifiedListIsChargedPerElement() throws {
        // A List(Void) of 2^20 elements costs 2^20 words of the budget though it takes none.
        let message = MessageBuilder()
        _ = message.rootPointer.initList(elementSize: .void, count: 1 << 20)
        let options = ReaderOptions(traversalLimitWords: (1 << 20) + 10)
        let reader = try Framing.decode(message.serialize(), options: options)
        let list = try reader.rootPointer().readList(expecting: .void)
        #expect(list.count == 1 << 20)
        #expect(reader.remainingTraversalWords == 10)
        let error = #expect(throws: CapnProtoError.self) { try reader.rootPointer().readList(expecting: .void) }
        #expect(error?.code == .traversalLimitExceeded)
    }

    @Test func nestingLimitIsConfigurable() throws {
        let message = MessageBuilder()
        var slot = message.rootPointer
        for _ in 0..<10 { slot = slot.initStruct(dataWords: 0, pointerCount: 1).pointer(0) }
        let bytes = message.serialize()
        #expect(
            try MessageWalker.walk(Framing.decode(bytes, options: ReaderOptions(nestingLimit: 10)).rootPointer()) == 10
        )
        let error = #expect(throws: CapnProtoError.self) {
            try MessageWalker.walk(Framing.decode(bytes, options: ReaderOptions(nestingLimit: 9)).rootPointer())
        }
        #expect(error?.code == .nestingLimitExceeded)
    }
}

/// A small deterministic generator, so randomized tests fail reproducibly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
