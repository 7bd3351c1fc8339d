// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A writable view of a list in a message under construction.
public struct ListBuilder {
    public let message: MessageBuilder
    @usableFromInline let segment: Int
    @usableFromInline let start: UnsafeMutableRawPointer
    /// Number of elements.
    public let count: Int
    @usableFromInline let stepBits: Int
    @usableFromInline let structDataBits: Int
    @usableFromInline let structPointerCount: Int
    /// How the elements are encoded.
    public let elementSize: ElementSize

    @usableFromInline
    init(
        message: MessageBuilder,
        segment: Int,
        start: UnsafeMutableRawPointer,
        count: Int,
        stepBits: Int,
        structDataBits: Int,
        structPointerCount: Int,
        elementSize: ElementSize
    ) {
        self.message = message
        self.segment = segment
        self.start = start
        self.count = count
        self.stepBits = stepBits
        self.structDataBits = structDataBits
        self.structPointerCount = structPointerCount
        self.elementSize = elementSize
    }

    @inlinable func elementAddress(_ index: Int) -> UnsafeMutableRawPointer { start + (index * stepBits) / 8 }

    /// Writes the `index`-th primitive element.
    @inlinable
    public func write<T: FixedWidthInteger>(_ value: T, at index: Int) {
        guard index >= 0, index < count, MemoryLayout<T>.size * 8 <= structDataBits else { return }
        elementAddress(index).storeBytes(of: value.littleEndian, as: T.self)
    }

    /// Reads back the `index`-th primitive element.
    @inlinable
    public func read<T: FixedWidthInteger>(_ type: T.Type = T.self, at index: Int) -> T {
        guard index >= 0, index < count, MemoryLayout<T>.size * 8 <= structDataBits else { return 0 }
        return T(littleEndian: elementAddress(index).loadUnaligned(as: T.self))
    }

    /// Writes the `index`-th element of a bit list.
    @inlinable
    public func writeBool(_ value: Bool, at index: Int) {
        guard elementSize == .bit, index >= 0, index < count else { return }
        let byte = start.load(fromByteOffset: index / 8, as: UInt8.self)
        let mask = UInt8(1) << UInt8(index % 8)
        start.storeBytes(of: value ? byte | mask : byte & ~mask, toByteOffset: index / 8, as: UInt8.self)
    }

    /// Reads back the `index`-th element of a bit list.
    @inlinable
    public func readBool(at index: Int) -> Bool {
        guard elementSize == .bit, index >= 0, index < count else { return false }
        return start.load(fromByteOffset: index / 8, as: UInt8.self) & (1 << UInt8(index % 8)) != 0
    }

    /// The `index`-th element of a struct list.
    @inlinable
    public func structElement(_ index: Int) -> StructBuilder {
        precondition(index >= 0 && index < count, "list index \(index) out of range 0..<\(count)")
        let data = elementAddress(index)
        return StructBuilder(
            message: message,
            segment: segment,
            data: data,
            dataWords: structDataBits / 64,
            pointers: data + structDataBits / 8,
            pointerCount: structPointerCount
        )
    }

    /// The `index`-th element of a pointer list (or the first pointer of a struct element).
    @inlinable
    public func pointerElement(_ index: Int) -> AnyPointerBuilder {
        precondition(index >= 0 && index < count && structPointerCount > 0, "list index \(index) is not a pointer")
        return AnyPointerBuilder(
            message: message,
            segment: segment,
            address: elementAddress(index) + structDataBits / 8
        )
    }
}
