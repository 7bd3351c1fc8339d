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
        var padded = bytes
        padded.append(contentsOf: repeatElement(0, count: wordCount * 8 - bytes.count))
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2 + 16)
        padded.withUnsafeBytes { input in
            var word = 0
            while word < wordCount {
                let base = word * 8
                var tag: UInt8 = 0
                for bit in 0..<8 where input[base + bit] != 0 { tag |= 1 << UInt8(bit) }
                out.append(tag)
                for bit in 0..<8 where input[base + bit] != 0 { out.append(input[base + bit]) }
                word += 1
                if tag == 0 {
                    var run = 0
                    while word < wordCount, run < 255, isZero(input, word) {
                        run += 1
                        word += 1
                    }
                    out.append(UInt8(run))
                } else if tag == 0xFF {
                    // Words with at most one zero byte are cheaper copied than tagged.
                    var run = 0
                    while word + run < wordCount, run < 255, zeroBytes(input, word + run) < 2 { run += 1 }
                    out.append(UInt8(run))
                    out.append(contentsOf: input[(word * 8)..<((word + run) * 8)])
                    word += run
                }
            }
        }
        return out
    }

    private static func isZero(_ input: UnsafeRawBufferPointer, _ word: Int) -> Bool {
        input.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self) == 0
    }

    private static func zeroBytes(_ input: UnsafeRawBufferPointer, _ word: Int) -> Int {
        (0..<8).reduce(0) { $0 + (input[word * 8 + $1] == 0 ? 1 : 0) }
    }

    /// Unpacks `packed`, refusing to produce more than `maxBytes` (zero runs expand 2 bytes
    /// into 2 KiB, so untrusted input needs a bound).
    public static func unpack(
        _ packed: [UInt8],
        maxBytes: Int = (ReaderOptions.default.traversalLimitWords + 512) * 8
    )
        throws -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(min(packed.count * 2, maxBytes))
        var at = 0
        func truncated() -> CapnProtoError {
            CapnProtoError(.invalidPacking, "packed input ends inside a word at byte \(at) of \(packed.count)")
        }
        func tooLarge() -> CapnProtoError {
            CapnProtoError(.segmentTooLarge, "packed input expands beyond \(maxBytes) bytes")
        }
        while at < packed.count {
            let tag = packed[at]
            at += 1
            guard out.count + 8 <= maxBytes else { throw tooLarge() }
            for bit in 0..<8 {
                if tag & (1 << UInt8(bit)) != 0 {
                    guard at < packed.count else { throw truncated() }
                    out.append(packed[at])
                    at += 1
                } else {
                    out.append(0)
                }
            }
            if tag == 0 || tag == 0xFF {
                guard at < packed.count else { throw truncated() }
                let run = Int(packed[at]) * 8
                at += 1
                guard out.count + run <= maxBytes else { throw tooLarge() }
                if tag == 0 {
                    out.append(contentsOf: repeatElement(0, count: run))
                } else {
                    guard at + run <= packed.count else { throw truncated() }
                    out.append(contentsOf: packed[at..<(at + run)])
                    at += run
                }
            }
        }
        return out
    }

    /// Unpacks and reads a packed frame.
    public static func decode(_ packed: [UInt8], options: ReaderOptions = .default) throws -> MessageReader {
        let bytes = try unpack(packed, maxBytes: (options.traversalLimitWords + options.segmentLimit) * 8)
        return try Framing.decode(bytes, options: options)
    }
}
