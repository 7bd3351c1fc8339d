// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// How a list's elements are about to be read, checked against its encoding.
public enum ListExpectation: Sendable, Hashable {
    /// Void elements: any list will do.
    case void
    /// A `List(Bool)`.
    case bit
    /// Primitives of this many bytes (1, 2, 4 or 8).
    case primitive(bytes: Int)
    /// Pointers (text, data, lists, capabilities, AnyPointer).
    case pointer
    /// Structs.
    case structs
}

/// A read-only view of a list in a received message.
///
/// Stores the element stride and, for lists of structs, the element layout; every element
/// accessor derives its address from those, so no element is validated twice.
public struct ListReader: @unchecked Sendable {
    // Sendable: views immutable memory kept alive by `message`.
    public let message: MessageReader
    @usableFromInline let segment: Int
    @usableFromInline let start: UnsafeRawPointer
    /// Number of elements.
    public let count: Int
    @usableFromInline let stepBits: Int
    @usableFromInline let structDataBits: Int
    @usableFromInline let structPointerCount: Int
    /// How the elements are encoded.
    public let elementSize: ElementSize
    @usableFromInline let nestingLimit: Int

    @usableFromInline
    init(
        message: MessageReader,
        segment: Int,
        start: UnsafeRawPointer,
        count: Int,
        stepBits: Int,
        structDataBits: Int,
        structPointerCount: Int,
        elementSize: ElementSize,
        nestingLimit: Int
    ) {
        self.message = message
        self.segment = segment
        self.start = start
        self.count = count
        self.stepBits = stepBits
        self.structDataBits = structDataBits
        self.structPointerCount = structPointerCount
        self.elementSize = elementSize
        self.nestingLimit = nestingLimit
    }

    /// An empty list.
    public static var empty: ListReader {
        ListReader(
            message: .empty,
            segment: 0,
            start: MessageReader.placeholder,
            count: 0,
            stepBits: 0,
            structDataBits: 0,
            structPointerCount: 0,
            elementSize: .void,
            nestingLimit: 0
        )
    }

    /// Whether the elements can be read as `expected` (``check(_:)`` says why not).
    @inlinable
    func matches(_ expected: ListExpectation) -> Bool {
        switch expected {
        case .void: true
        case .structs: elementSize != .bit
        case .bit: elementSize == .bit
        case .primitive(let bytes): elementSize != .bit && structDataBits >= bytes &* 8
        case .pointer: elementSize != .bit && structPointerCount >= 1
        }
    }

    @usableFromInline
    func check(_ expected: ListExpectation) throws {
        switch expected {
        case .void, .structs:
            if elementSize == .bit && expected == .structs {
                throw CapnProtoError(.invalidList, "found a bit list where a struct list was expected")
            }
        case .bit:
            guard elementSize == .bit else {
                throw CapnProtoError(.invalidList, "found a \(elementSize) list where a bit list was expected")
            }
        case .primitive(let bytes):
            guard elementSize != .bit else {
                throw CapnProtoError(.invalidList, "found a bit list where a data list was expected")
            }
            guard structDataBits >= bytes * 8 else {
                throw CapnProtoError(
                    .invalidList,
                    "found a \(elementSize) list where \(bytes)-byte elements were expected"
                )
            }
        case .pointer:
            guard elementSize != .bit, structPointerCount >= 1 else {
                throw CapnProtoError(.invalidList, "found a \(elementSize) list where a pointer list was expected")
            }
        }
    }

    @inlinable func elementAddress(_ index: Int) -> UnsafeRawPointer { start + (index * stepBits) / 8 }

    // Indices are checked as in ListBuilder: a read outside 0..<count would otherwise load
    // whatever follows the list in the segment, or memory past its end.

    /// The `index`-th element as a primitive (the first field of a struct element); zero when
    /// `index` is out of range.
    @inlinable
    public func read<T: FixedWidthInteger>(_ type: T.Type = T.self, at index: Int) -> T {
        guard index >= 0, index < count, MemoryLayout<T>.size * 8 <= structDataBits else { return 0 }
        return T(littleEndian: elementAddress(index).loadUnaligned(as: T.self))
    }

    /// The `index`-th element of a bit list; `false` when `index` is out of range.
    @inlinable
    public func readBool(at index: Int) -> Bool {
        guard elementSize == .bit, index >= 0, index < count else { return false }
        return start.load(fromByteOffset: index / 8, as: UInt8.self) & (1 << UInt8(index % 8)) != 0
    }

    /// The `index`-th element as a struct (primitive and pointer lists read as one-field structs).
    @inlinable
    public func structElement(_ index: Int) -> StructReader {
        precondition(index >= 0 && index < count, "list index \(index) out of range 0..<\(count)")
        let data = elementAddress(index)
        return StructReader(
            message: message,
            segment: segment,
            data: data,
            dataBits: structDataBits,
            pointers: data + structDataBits / 8,
            pointerCount: structPointerCount,
            nestingLimit: nestingLimit
        )
    }

    /// The `index`-th element as a pointer (the first pointer of a struct element).
    @inlinable
    public func pointerElement(_ index: Int) -> AnyPointerReader {
        precondition(index >= 0 && index < count, "list index \(index) out of range 0..<\(count)")
        guard structPointerCount > 0 else { return .null }
        return AnyPointerReader(
            message: message,
            segment: segment,
            address: elementAddress(index) + structDataBits / 8,
            nestingLimit: nestingLimit
        )
    }

    /// The element bytes of a byte list, in place.
    public var bytes: UnsafeRawBufferPointer? {
        elementSize == .byte ? UnsafeRawBufferPointer(start: start, count: count) : nil
    }
}
