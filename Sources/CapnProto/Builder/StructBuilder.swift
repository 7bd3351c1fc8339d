// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A writable view of one struct in a message under construction.
///
/// Offsets come from generated code, which sizes every struct it creates, so writes past the
/// end of a section are ignored rather than checked at each call site.
public struct StructBuilder {
    public let message: MessageBuilder
    @usableFromInline let segment: Int
    @usableFromInline let data: UnsafeMutableRawPointer
    @usableFromInline let dataWords: Int
    @usableFromInline let pointers: UnsafeMutableRawPointer
    @usableFromInline let pointerCount: Int

    @usableFromInline
    init(
        message: MessageBuilder,
        segment: Int,
        data: UnsafeMutableRawPointer,
        dataWords: Int,
        pointers: UnsafeMutableRawPointer,
        pointerCount: Int
    ) {
        self.message = message
        self.segment = segment
        self.data = data
        self.dataWords = dataWords
        self.pointers = pointers
        self.pointerCount = pointerCount
    }

    /// Words in the data section.
    public var dataWordCount: Int { dataWords }
    /// Pointers in the pointer section.
    public var pointerSectionCount: Int { pointerCount }

    /// Writes the `index`-th value of type `T` in the data section.
    @inlinable
    public func write<T: FixedWidthInteger>(_ value: T, at index: Int) {
        let size = MemoryLayout<T>.size
        guard (index + 1) * size <= dataWords * 8 else { return }
        data.storeBytes(of: value.littleEndian, toByteOffset: index * size, as: T.self)
    }

    /// Reads back the `index`-th value of type `T`.
    @inlinable
    public func read<T: FixedWidthInteger>(_ type: T.Type = T.self, at index: Int) -> T {
        let size = MemoryLayout<T>.size
        guard (index + 1) * size <= dataWords * 8 else { return 0 }
        return T(littleEndian: data.loadUnaligned(fromByteOffset: index * size, as: T.self))
    }

    /// Writes the Bool at bit `index`.
    @inlinable
    public func writeBool(_ value: Bool, bit index: Int) {
        guard index < dataWords * 64 else { return }
        let byte = data.load(fromByteOffset: index / 8, as: UInt8.self)
        let mask = UInt8(1) << UInt8(index % 8)
        data.storeBytes(of: value ? byte | mask : byte & ~mask, toByteOffset: index / 8, as: UInt8.self)
    }

    /// Reads back the Bool at bit `index`.
    @inlinable
    public func readBool(bit index: Int) -> Bool {
        guard index < dataWords * 64 else { return false }
        return data.load(fromByteOffset: index / 8, as: UInt8.self) & (1 << UInt8(index % 8)) != 0
    }

    /// Writes a Float32, XORed with `defaultBits`.
    @inlinable
    public func writeFloat32(_ value: Float, at index: Int, defaultBits: UInt32 = 0) {
        write(value.bitPattern ^ defaultBits, at: index)
    }

    /// Writes a Float64, XORed with `defaultBits`.
    @inlinable
    public func writeFloat64(_ value: Double, at index: Int, defaultBits: UInt64 = 0) {
        write(value.bitPattern ^ defaultBits, at: index)
    }

    /// Reads back a Float32 stored with `defaultBits`.
    @inlinable
    public func readFloat32(at index: Int, defaultBits: UInt32 = 0) -> Float {
        Float(bitPattern: read(UInt32.self, at: index) ^ defaultBits)
    }

    /// Reads back a Float64 stored with `defaultBits`.
    @inlinable
    public func readFloat64(at index: Int, defaultBits: UInt64 = 0) -> Double {
        Double(bitPattern: read(UInt64.self, at: index) ^ defaultBits)
    }

    /// The `index`-th pointer slot.
    @inlinable
    public func pointer(_ index: Int) -> AnyPointerBuilder {
        precondition(index < pointerCount, "pointer \(index) is outside a section of \(pointerCount)")
        return AnyPointerBuilder(message: message, segment: segment, address: pointers + index * 8)
    }

    /// Copies the data and pointers of `source` into this struct (for unions' groups and
    /// for whole-struct assignment of generated types).
    public func copy(from source: StructReader) throws {
        let bytes = min((source.dataBits + 7) / 8, dataWords * 8)
        data.copyMemory(from: source.data, byteCount: bytes)
        for index in 0..<min(source.pointerCount, pointerCount) {
            try pointer(index).set(source.pointer(index))
        }
    }
}
