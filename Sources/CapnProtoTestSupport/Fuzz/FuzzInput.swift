// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The fuzzer's input read as a stream of choices. Past the end every read gives zero, so any
/// byte string is a complete program.
struct FuzzInput {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    mutating func u16() -> UInt16 { UInt16(byte()) | UInt16(byte()) << 8 }

    mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }

    mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }

    /// Up to `limit` raw bytes, the count read first.
    mutating func chunk(limit: Int) -> [UInt8] {
        let count = min(Int(byte()), limit)
        return (0..<count).map { _ in byte() }
    }

    /// An id: usually one the peer has seen (so messages hit live table entries), else a small
    /// arbitrary one (so they also hit missing and stale ones).
    mutating func id(from known: [UInt32]) -> UInt32 {
        let choice = byte()
        if choice & 0x80 != 0 || known.isEmpty { return UInt32(choice & 0x0f) }
        return known[Int(choice) % known.count]
    }
}
