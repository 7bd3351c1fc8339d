// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Encoding and decoding of the 64-bit pointer words of the Cap'n Proto encoding.
///
/// Kept as free-standing bit manipulation on `UInt64` so readers and builders share one
/// definition of the layout.
@usableFromInline
enum WirePointer {
    @inlinable static var kindStruct: UInt64 { 0 }
    @inlinable static var kindList: UInt64 { 1 }
    @inlinable static var kindFar: UInt64 { 2 }
    @inlinable static var kindOther: UInt64 { 3 }

    @inlinable static func kind(_ word: UInt64) -> UInt64 { word & 3 }

    /// Signed 30-bit offset in words, from the end of the pointer to the target.
    @inlinable static func offset(_ word: UInt64) -> Int {
        Int(Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: word)) >> 2)
    }

    @inlinable static func structDataWords(_ word: UInt64) -> Int { Int((word >> 32) & 0xFFFF) }
    @inlinable static func structPointerCount(_ word: UInt64) -> Int { Int((word >> 48) & 0xFFFF) }
    @inlinable static func listElementSize(_ word: UInt64) -> UInt8 { UInt8((word >> 32) & 7) }
    @inlinable static func listElementCount(_ word: UInt64) -> Int { Int(word >> 35) }
    @inlinable static func farIsDouble(_ word: UInt64) -> Bool { (word >> 2) & 1 == 1 }
    @inlinable static func farPadOffset(_ word: UInt64) -> Int { Int((word >> 3) & 0x1FFF_FFFF) }
    @inlinable static func farSegment(_ word: UInt64) -> Int { Int(word >> 32) }
    @inlinable static func capabilityIndex(_ word: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: word >> 32) }
    @inlinable static func isCapability(_ word: UInt64) -> Bool { word & 0xFFFF_FFFF == 3 }

    @inlinable static func offsetBits(_ offset: Int) -> UInt64 {
        UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: offset) << 2))
    }

    @inlinable static func makeStruct(offset: Int, dataWords: Int, pointerCount: Int) -> UInt64 {
        offsetBits(offset) | UInt64(dataWords) << 32 | UInt64(pointerCount) << 48
    }

    @inlinable static func makeList(offset: Int, size: ElementSize, count: Int) -> UInt64 {
        offsetBits(offset) | kindList | UInt64(size.rawValue) << 32 | UInt64(count) << 35
    }

    @inlinable static func makeFar(segment: Int, padOffset: Int, double: Bool) -> UInt64 {
        kindFar | (double ? 4 : 0) | UInt64(padOffset) << 3 | UInt64(segment) << 32
    }

    @inlinable static func makeCapability(_ index: UInt32) -> UInt64 { kindOther | UInt64(index) << 32 }

    /// Largest count a list pointer can carry (29 bits).
    @inlinable static var maxListCount: Int { (1 << 29) - 1 }
}
