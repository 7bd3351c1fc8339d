// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The packed encoding: each word becomes a tag byte (one bit per non-zero byte) and its
/// non-zero bytes; a zero tag is followed by a count of further zero words, and an all-ones
/// tag by a count of further words copied verbatim.
public enum Packing {
    /// Packs `bytes` (a whole number of words; a partial last word is padded with zeros).
    ///
    /// Uses the same run heuristic as C++ capnp, so output is byte-identical to its
    /// `writePackedMessage`.
    public static func pack(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { input in
            let whole = input.count / 8
            let tail = input.count - whole * 8
            guard tail > 0 else { return pack(header: nil, body: input) }
            // Pad the partial last word with zeros in a copy of the input.
            var padded = [UInt8](repeating: 0, count: (whole + 1) * 8)
            padded.withUnsafeMutableBytes { $0.copyMemory(from: input) }
            return padded.withUnsafeBytes { pack(header: nil, body: $0) }
        }
    }

    /// Packs the word `header` (when given) followed by the words of `body`, a whole number
    /// of words, as if they were one buffer.
    static func pack(header: UInt64?, body: UnsafeRawBufferPointer) -> [UInt8] {
        let bodyWords = body.count / 8
        let wordCount = bodyWords + (header == nil ? 0 : 1)
        // Worst case: a tag, eight bytes and a run count per word.
        let bound = wordCount * 10 + 2
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
            guard let out = UnsafeMutableRawPointer(buffer.baseAddress) else { return }
            var at = 0
            if let header {
                // A frame's one-word table never starts a run (it has zero bytes and is not zero),
                // so packing it on its own gives the same bytes as packing it with the body.
                withUnsafeBytes(of: header.littleEndian) { at = packWords($0.baseAddress!, count: 1, to: out) }
            }
            if bodyWords > 0, let input = body.baseAddress {
                at += packWords(input, count: bodyWords, to: out + at)
            }
            written = at
        }
    }

    /// Packs `count` words from `input` to `out` (which has room for 10 bytes a word);
    /// returns the bytes written.
    static func packWords(_ input: UnsafeRawPointer, count: Int, to out: UnsafeMutableRawPointer) -> Int {
        @inline(__always) func word(_ index: Int) -> UInt64 {
            UInt64(littleEndian: input.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
        }
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // The high bit of each byte that is non-zero.
        @inline(__always) func nonZeroBytes(_ value: UInt64) -> UInt64 { (((value & low) &+ low) | value) & ~low }
        var at = 0
        var index = 0
        while index < count {
            let value = word(index)
            index &+= 1
            if value == 0 {
                var run = 0
                while index < count, run < 255, word(index) == 0 {
                    run &+= 1
                    index &+= 1
                }
                out.storeBytes(of: 0, toByteOffset: at, as: UInt8.self)
                out.storeBytes(of: UInt8(truncatingIfNeeded: run), toByteOffset: at &+ 1, as: UInt8.self)
                at &+= 2
                continue
            }
            let present = nonZeroBytes(value)
            // Gathers the eight high bits into one byte, byte i's bit landing on bit i.
            let tag = UInt8(truncatingIfNeeded: ((present >> 7) &* 0x0102_0408_1020_4080) >> 56)
            out.storeBytes(of: tag, toByteOffset: at, as: UInt8.self)
            at &+= 1
            if tag == 0xFF {
                out.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self)
                at &+= 8
                // Words with at most one zero byte are cheaper copied than tagged.
                var run = 0
                while index &+ run < count, run < 255 {
                    let zeros = ~nonZeroBytes(word(index &+ run)) & ~low
                    guard zeros & (zeros &- 1) == 0 else { break }
                    run &+= 1
                }
                out.storeBytes(of: UInt8(truncatingIfNeeded: run), toByteOffset: at, as: UInt8.self)
                at &+= 1
                if run > 0 {
                    (out + at).copyMemory(from: input + index &* 8, byteCount: run &* 8)
                    at &+= run &* 8
                    index &+= run
                }
                continue
            }
            // Branch-free, as C++ does: write every byte, advance only past non-zero ones.
            var rest = value
            for _ in 0..<8 {
                let part = UInt8(truncatingIfNeeded: rest)
                out.storeBytes(of: part, toByteOffset: at, as: UInt8.self)
                at &+= part == 0 ? 0 : 1
                rest &>>= 8
            }
        }
        return at
    }

    /// Unpacks `packed`, refusing to produce more than `maxBytes` (zero runs expand 2 bytes
    /// into 2 KiB, so untrusted input needs a bound).
    public static func unpack(
        _ packed: [UInt8],
        maxBytes: Int = (ReaderOptions.default.traversalLimitWords + 512) * 8
    )
        throws -> [UInt8]
    {
        // One pass to validate and measure, one to fill an exactly sized array.
        let size = try packed.withUnsafeBytes { try expand($0, into: nil, maxBytes: maxBytes) }
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            if size > 0, let base = buffer.baseAddress {
                _ = try packed.withUnsafeBytes {
                    try expand($0, into: UnsafeMutableRawPointer(base), maxBytes: maxBytes)
                }
            }
            initialized = size
        }
    }

    /// Walks packed input, writing the words to `output` when given; returns the byte count.
    private static func expand(
        _ input: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawPointer?,
        maxBytes: Int
    )
        throws -> Int
    {
        var at = 0
        var produced = 0
        let count = input.count
        func truncated() -> CapnProtoError {
            CapnProtoError(.invalidPacking, "packed input ends inside a word at byte \(at) of \(count)")
        }
        func tooLarge() -> CapnProtoError {
            CapnProtoError(.segmentTooLarge, "packed input expands beyond \(maxBytes) bytes")
        }
        while at < count {
            let tag = input[at]
            at += 1
            guard produced + 8 <= maxBytes else { throw tooLarge() }
            guard at + tag.nonzeroBitCount <= count else { throw truncated() }
            if let output {
                var value: UInt64 = 0
                for bit in 0..<8 where tag & (1 << UInt8(bit)) != 0 {
                    value |= UInt64(input[at]) << (8 * UInt64(bit))
                    at += 1
                }
                (output + produced).storeBytes(of: value.littleEndian, as: UInt64.self)
            } else {
                at += tag.nonzeroBitCount
            }
            produced += 8
            guard tag == 0 || tag == 0xFF else { continue }
            guard at < count else { throw truncated() }
            let run = Int(input[at]) * 8
            at += 1
            guard produced + run <= maxBytes else { throw tooLarge() }
            if tag == 0 {
                if let output { (output + produced).initializeMemory(as: UInt8.self, repeating: 0, count: run) }
            } else {
                guard at + run <= count else { throw truncated() }
                if let output, run > 0, let source = input.baseAddress {
                    (output + produced).copyMemory(from: source + at, byteCount: run)
                }
                at += run
            }
            produced += run
        }
        return produced
    }

    /// Unpacks and reads a packed frame.
    public static func decode(_ packed: [UInt8], options: ReaderOptions = .default) throws -> MessageReader {
        let bytes = try unpack(packed, maxBytes: (options.traversalLimitWords + options.segmentLimit) * 8)
        return try Framing.decode(bytes, options: options)
    }
}
