// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A read-only view of one struct in a received message.
///
/// Fields beyond the struct's data or pointer section read as zero or null, which is how
/// Cap'n Proto lets old and new schema versions read each other's messages. Primitive reads
/// never fail; pointer reads check their target and throw on malformed input.
public struct StructReader: @unchecked Sendable {
    // Sendable: views immutable memory kept alive by `message`.
    public let message: MessageReader
    @usableFromInline let segment: Int
    @usableFromInline let data: UnsafeRawPointer
    @usableFromInline let dataBits: Int
    @usableFromInline let pointers: UnsafeRawPointer
    @usableFromInline let pointerCount: Int
    @usableFromInline let nestingLimit: Int

    @usableFromInline
    init(
        message: MessageReader,
        segment: Int,
        data: UnsafeRawPointer,
        dataBits: Int,
        pointers: UnsafeRawPointer,
        pointerCount: Int,
        nestingLimit: Int
    ) {
        self.message = message
        self.segment = segment
        self.data = data
        self.dataBits = dataBits
        self.pointers = pointers
        self.pointerCount = pointerCount
        self.nestingLimit = nestingLimit
    }

    /// A struct with every field at its default.
    public static var empty: StructReader {
        StructReader(
            message: .empty,
            segment: 0,
            data: MessageReader.placeholder,
            dataBits: 0,
            pointers: MessageReader.placeholder,
            pointerCount: 0,
            nestingLimit: 0
        )
    }

    /// Words in the data section (rounded up for list elements narrower than a word).
    public var dataWordCount: Int { (dataBits + 63) / 64 }
    /// Pointers in the pointer section.
    public var pointerSectionCount: Int { pointerCount }
    /// Bits in the data section.
    public var dataSectionBits: Int { dataBits }

    /// Reads the `index`-th value of type `T` in the data section (offsets count in units of `T`).
    @inlinable
    public func read<T: FixedWidthInteger>(_ type: T.Type = T.self, at index: Int) -> T {
        let size = MemoryLayout<T>.size
        guard (index + 1) * size * 8 <= dataBits else { return 0 }
        return T(littleEndian: data.loadUnaligned(fromByteOffset: index * size, as: T.self))
    }

    /// Reads the Bool at bit `index` of the data section.
    @inlinable
    public func readBool(bit index: Int) -> Bool {
        guard index < dataBits else { return false }
        return data.load(fromByteOffset: index / 8, as: UInt8.self) & (1 << UInt8(index % 8)) != 0
    }

    /// Reads a Float32 whose bits are XORed with `defaultBits` on the wire.
    @inlinable
    public func readFloat32(at index: Int, defaultBits: UInt32 = 0) -> Float {
        Float(bitPattern: read(UInt32.self, at: index) ^ defaultBits)
    }

    /// Reads a Float64 whose bits are XORed with `defaultBits` on the wire.
    @inlinable
    public func readFloat64(at index: Int, defaultBits: UInt64 = 0) -> Double {
        Double(bitPattern: read(UInt64.self, at: index) ^ defaultBits)
    }

    /// The `index`-th pointer of the pointer section (null when out of range).
    @inlinable @inline(__always)
    public func pointer(_ index: Int) -> AnyPointerReader {
        guard index < pointerCount else { return .null }
        return AnyPointerReader(
            message: message,
            segment: segment,
            address: pointers + index * 8,
            nestingLimit: nestingLimit
        )
    }

    /// Whether the `index`-th pointer is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool { pointer(index).isNull }

    /// Reads pointer `index` as text.
    @inlinable
    public func readText(_ index: Int, default defaultValue: String = "") throws -> String {
        try pointer(index).readText(default: defaultValue)
    }

    /// Reads pointer `index` as data.
    @inlinable
    public func readData(_ index: Int, default defaultValue: [UInt8] = []) throws -> [UInt8] {
        try pointer(index).readData(default: defaultValue)
    }

    /// Reads pointer `index` as a struct.
    @inlinable @inline(__always)
    public func readStruct(_ index: Int, default defaultValue: StructReader? = nil) throws -> StructReader {
        try pointer(index).readStruct(default: defaultValue)
    }

    /// Reads pointer `index` as a list.
    @inlinable @inline(__always)
    public func readList(
        _ index: Int,
        expecting expected: ListExpectation,
        default defaultValue: ListReader? = nil
    )
        throws -> ListReader
    {
        try pointer(index).readList(expecting: expected, default: defaultValue)
    }

    /// Reads pointer `index` as a capability-table index.
    @inlinable
    public func readCapability(_ index: Int) throws -> UInt32? { try pointer(index).readCapability() }
}
