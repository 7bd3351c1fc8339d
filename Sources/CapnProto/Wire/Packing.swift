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
        let wordCount = (bytes.count + 7) / 8
        // Worst case: a tag, eight bytes and a run count per word.
        let bound = wordCount * 10 + 2
        return [UInt8](unsafeUninitializedCapacity: bound) { out, written in
            guard let base = out.baseAddress else { return }
            bytes.withUnsafeBytes { input in
                func word(_ index: Int) -> UInt64 {
                    if (index + 1) * 8 <= input.count {
                        return UInt64(littleEndian: input.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                    }
                    var value: UInt64 = 0
                    for byte in 0..<(input.count - index * 8) {
                        value |= UInt64(input[index * 8 + byte]) << (8 * UInt64(byte))
                    }
                    return value
                }
                func zeroBytes(_ value: UInt64) -> Int {
                    // Sets the high bit of each byte that is non-zero, then counts the others.
                    let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
                    let nonZero = ((value & low) &+ low | value) & ~low
                    return 8 - nonZero.nonzeroBitCount
                }
                var at = 0
                var index = 0
                while index < wordCount {
                    let value = word(index)
                    index += 1
                    let tagAt = at
                    at += 1
                    var tag: UInt8 = 0
                    // Branch-free, as C++ does: write every byte, advance only past non-zero ones.
                    for byte in 0..<8 {
                        let part = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))
                        let present: UInt8 = part == 0 ? 0 : 1
                        tag |= present << UInt8(byte)
                        out[at] = part
                        at += Int(present)
                    }
                    out[tagAt] = tag
                    if tag == 0 {
                        var run = 0
                        while index < wordCount, run < 255, word(index) == 0 {
                            run += 1
                            index += 1
                        }
                        out[at] = UInt8(run)
                        at += 1
                    } else if tag == 0xFF {
                        // Words with at most one zero byte are cheaper copied than tagged.
                        var run = 0
                        while index + run < wordCount, run < 255, zeroBytes(word(index + run)) < 2 { run += 1 }
                        out[at] = UInt8(run)
                        at += 1
                        for _ in 0..<run {
                            UnsafeMutableRawPointer(base + at).storeBytes(of: word(index).littleEndian, as: UInt64.self)
                            at += 8
                            index += 1
                        }
                    }
                }
                written = at
            }
        }
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
