// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// One decoder fuzz case, shared by the libFuzzer target (Fuzz/DecoderFuzzer) and the corpus
/// regression test.
///
/// Each input is read three ways (as a framed message, as a packed framed message, and as the
/// words of a single unframed segment) and everything reachable is read in every way the API
/// allows; malformed input must only ever produce a CapnProtoError. Deep copies into a builder
/// exercise the writer on whatever the reader accepted.
public enum DecoderFuzzHarness {
    /// Runs one input; traps if a copy or a packing round trip differs from its source.
    public static func run(_ bytes: UnsafeRawBufferPointer) {
        let size = bytes.count
        let array = [UInt8](bytes)
        let options = options(forInputBytes: size)

        if let (message, length) = try? Framing.decodePrefix(bytes, options: options) {
            precondition(length <= size, "frame longer than its input")
            exercise(message, options: options)
            checkCopy(of: bytes, options: options)
        }
        if let message = try? Packing.decode(array, options: options) {
            exercise(message, options: options)
        }
        exercise(MessageReader(segments: [array], options: options), options: options)

        // Packing must round-trip any byte string (padded to whole words).
        if size <= 4096 {
            let padded = array + [UInt8](repeating: 0, count: (8 - size % 8) % 8)
            guard let unpacked = try? Packing.unpack(Packing.pack(array)), unpacked == padded else {
                fatalError("packing does not round-trip")
            }
        }
    }
}

extension DecoderFuzzHarness {
    /// Small limits keep every input fast; the checks they exercise are the same as the defaults'.
    /// The traversal limit grows with the input (8 words per 8 bytes, at least 64, at most 4096):
    /// a walk costs about a dozen failing reads per word it is allowed, so a fixed 4096 made a
    /// 400-byte input take 60 ms under AddressSanitizer, while amplification (zero-sized list
    /// elements, shared targets) is still checked against a limit the input can exceed.
    static func options(forInputBytes size: Int) -> ReaderOptions {
        ReaderOptions(traversalLimitWords: min(64 + size, 1 << 12), nestingLimit: 16, segmentLimit: 64)
    }
    /// Elements visited per list and data bytes per struct (the traversal limit bounds the total anyway).
    private static let elementCap = 128
    /// Every way a list can be asked for.
    private static let expectations: [ListExpectation] = [
        .void, .bit, .primitive(bytes: 1), .primitive(bytes: 2), .primitive(bytes: 4), .primitive(bytes: 8),
        .pointer, .structs,
    ]

    static func exercise(_ message: MessageReader, options: ReaderOptions) {
        _ = message.rootPointer().kind
        if let root = try? message.root() { visit(root) }
        visit(message.rootPointer())
        // Copy what the reader accepts into a fresh message, then read the copy back.
        let copy = MessageBuilder(firstSegmentWords: 4, growth: .fixed)
        if (try? copy.rootPointer.set(message.rootPointer())) != nil {
            let again = copy.reader(options: options)
            visit(again.rootPointer())
            if copy.rootPointer.getList() == nil, copy.rootPointer.capabilityIndex == nil {
                // Upgrading the copied root struct must keep it readable.
                _ = copy.rootPointer.getStruct(dataWords: 2, pointerCount: 2)
                if let framed = try? Framing.decode(copy.serialize(), options: options) {
                    visit(framed.rootPointer())
                }
            }
        }
    }

    static func visit(_ pointer: AnyPointerReader) {
        // Once the budget is spent every read throws the same error: walking on would only
        // repeat that, never reach new code.
        guard pointer.message.remainingTraversalWords > 0 else { return }
        _ = pointer.kind
        _ = try? pointer.readCapability()
        _ = try? pointer.readText()
        _ = try? pointer.readData()
        if let bytes = try? pointer.textBytes() { _ = bytes.last }
        if let reader = try? pointer.readStruct() { visit(reader) }
        for expected in expectations {
            if let list = try? pointer.readList(expecting: expected) { visit(list, as: expected) }
        }
    }

    static func visit(_ reader: StructReader) {
        guard reader.message.remainingTraversalWords > 0 else { return }
        let dataBytes = min(reader.dataWordCount * 8, elementCap)
        for index in 0..<dataBytes { _ = reader.read(UInt8.self, at: index) }
        for index in stride(from: 0, to: dataBytes * 8, by: 7) { _ = reader.readBool(bit: index) }
        _ = reader.read(UInt64.self, at: 0)
        _ = reader.readFloat32(at: 1)
        _ = reader.readFloat64(at: 2)
        for index in 0..<reader.pointerSectionCount {
            _ = reader.isNull(index)
            visit(reader.pointer(index))
        }
        _ = reader.pointer(reader.pointerSectionCount)
    }

    static func visit(_ list: ListReader, as expected: ListExpectation) {
        let count = min(list.count, elementCap)
        _ = list.bytes?.count
        for index in 0..<count where list.message.remainingTraversalWords > 0 {
            switch expected {
            case .void:
                _ = list.read(UInt8.self, at: index)
            case .bit:
                _ = list.readBool(at: index)
            case .primitive(let bytes):
                switch bytes {
                case 1: _ = list.read(UInt8.self, at: index)
                case 2: _ = list.read(UInt16.self, at: index)
                case 4: _ = list.read(UInt32.self, at: index)
                default: _ = list.read(UInt64.self, at: index)
                }
            case .pointer:
                visit(list.pointerElement(index))
            case .structs:
                visit(list.structElement(index))
            }
        }
    }

    /// A deep copy must hold exactly what its source held (compared by digest, each read with a
    /// fresh budget).
    static func checkCopy(of bytes: UnsafeRawBufferPointer, options fuzzOptions: ReaderOptions) {
        guard let (message, _) = try? Framing.decodePrefix(bytes, options: fuzzOptions),
            let (source, _) = try? Framing.decodePrefix(bytes, options: fuzzOptions)
        else { return }
        let copy = MessageBuilder(firstSegmentWords: 3, growth: .fixed)
        guard (try? copy.rootPointer.set(message.rootPointer())) != nil else { return }
        var expected: [UInt8] = []
        guard (try? MessageDigest.digest(source.rootPointer(), into: &expected)) != nil else { return }
        let options = ReaderOptions(
            traversalLimitWords: 1 << 20,
            nestingLimit: fuzzOptions.nestingLimit,
            segmentLimit: 1 << 20
        )
        var actual: [UInt8] = []
        do {
            let reread = try Framing.decode(copy.serialize(), options: options)
            try MessageDigest.digest(reread.rootPointer(), into: &actual)
        } catch {
            fatalError("the copy of a readable message does not read back: \(error)")
        }
        precondition(actual == expected, "the copy differs from its source")
        checkUpgrade(of: copy, options: options)
    }

    /// Growing a root struct (as a newer schema does) keeps every data word and pointer target.
    static func checkUpgrade(of copy: MessageBuilder, options: ReaderOptions) {
        guard let before = try? Framing.decode(copy.serialize(), options: options),
            before.rootPointer().kind == .structure,
            let old = try? before.root()
        else { return }
        var oldPointers: [[UInt8]] = []
        for index in 0..<old.pointerSectionCount {
            var out: [UInt8] = []
            guard (try? MessageDigest.digest(old.pointer(index), into: &out)) != nil else { return }
            oldPointers.append(out)
        }
        let grown = copy.rootPointer.getStruct(
            dataWords: old.dataWordCount + 1,
            pointerCount: old.pointerSectionCount + 1
        )
        precondition(
            grown.dataWordCount == old.dataWordCount + 1 && grown.pointerSectionCount == old.pointerSectionCount + 1
        )
        guard let after = try? Framing.decode(copy.serialize(), options: options), let new = try? after.root() else {
            fatalError("an upgraded struct does not read back")
        }
        for index in 0..<old.dataWordCount {
            precondition(new.read(UInt64.self, at: index) == old.read(UInt64.self, at: index), "upgrade lost data")
        }
        precondition(new.read(UInt64.self, at: old.dataWordCount) == 0, "upgrade's new data word is not zero")
        for index in 0..<old.pointerSectionCount {
            var out: [UInt8] = []
            guard (try? MessageDigest.digest(new.pointer(index), into: &out)) != nil else {
                fatalError("upgraded pointer unreadable")
            }
            precondition(out == oldPointers[index], "upgrade changed pointer \(index)")
        }
        precondition(new.isNull(old.pointerSectionCount), "upgrade's new pointer is not null")
    }
}
