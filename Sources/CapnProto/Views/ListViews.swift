// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A typed list reader generated code can ask for by type.
public protocol ListReaderView: Sendable, PointerValue {
    /// Wraps an untyped list already checked against ``expectation``.
    init(_ list: ListReader)
    /// How the elements will be read.
    static var expectation: ListExpectation { get }
    /// The untyped list underneath.
    var _list: ListReader { get }
}

extension ListReaderView {
    @inlinable
    public static func read(from pointer: AnyPointerReader) throws -> Self {
        Self(try pointer.readList(expecting: expectation))
    }
}

/// A value stored inline in a list or a struct's data section.
public protocol CapnpScalar: Sendable {
    /// How a list of these is encoded.
    static var elementSize: ElementSize { get }
    /// Reads element `index` of `list`.
    static func read(from list: ListReader, at index: Int) -> Self
    /// Reads element `index` of `list` under construction.
    static func read(from list: ListBuilder, at index: Int) -> Self
    /// Writes element `index` of `list`.
    static func write(_ value: Self, to list: ListBuilder, at index: Int)
}

extension CapnpScalar where Self: FixedWidthInteger {
    @inlinable
    public static var elementSize: ElementSize { .forBytes(MemoryLayout<Self>.size) }
    @inlinable
    public static func read(from list: ListReader, at index: Int) -> Self { list.read(Self.self, at: index) }
    @inlinable
    public static func read(from list: ListBuilder, at index: Int) -> Self { list.read(Self.self, at: index) }
    @inlinable
    public static func write(_ value: Self, to list: ListBuilder, at index: Int) { list.write(value, at: index) }
}

extension Int8: CapnpScalar {}
extension Int16: CapnpScalar {}
extension Int32: CapnpScalar {}
extension Int64: CapnpScalar {}
extension UInt8: CapnpScalar {}
extension UInt16: CapnpScalar {}
extension UInt32: CapnpScalar {}
extension UInt64: CapnpScalar {}

extension Float: CapnpScalar {
    @inlinable
    public static var elementSize: ElementSize { .fourBytes }
    @inlinable
    public static func read(from list: ListReader, at index: Int) -> Float {
        Float(bitPattern: list.read(UInt32.self, at: index))
    }
    @inlinable
    public static func read(from list: ListBuilder, at index: Int) -> Float {
        Float(bitPattern: list.read(UInt32.self, at: index))
    }
    @inlinable
    public static func write(_ value: Float, to list: ListBuilder, at index: Int) {
        list.write(value.bitPattern, at: index)
    }
}

extension Double: CapnpScalar {
    @inlinable
    public static var elementSize: ElementSize { .eightBytes }
    @inlinable
    public static func read(from list: ListReader, at index: Int) -> Double {
        Double(bitPattern: list.read(UInt64.self, at: index))
    }
    @inlinable
    public static func read(from list: ListBuilder, at index: Int) -> Double {
        Double(bitPattern: list.read(UInt64.self, at: index))
    }
    @inlinable
    public static func write(_ value: Double, to list: ListBuilder, at index: Int) {
        list.write(value.bitPattern, at: index)
    }
}

extension Bool: CapnpScalar {
    @inlinable
    public static var elementSize: ElementSize { .bit }
    @inlinable
    public static func read(from list: ListReader, at index: Int) -> Bool { list.readBool(at: index) }
    @inlinable
    public static func read(from list: ListBuilder, at index: Int) -> Bool { list.readBool(at: index) }
    @inlinable
    public static func write(_ value: Bool, to list: ListBuilder, at index: Int) { list.writeBool(value, at: index) }
}

/// A list of primitives, Bools or enums' raw values.
public struct ScalarList<Element: CapnpScalar>: ListReaderView, RandomAccessCollection {
    public let _list: ListReader
    @inlinable
    public init(_ list: ListReader) { _list = list }
    @inlinable
    public static var expectation: ListExpectation {
        switch Element.elementSize {
        case .bit: .bit
        case .void: .void
        default: .primitive(bytes: Element.elementSize.bitsPerElement / 8)
        }
    }
    @inlinable
    public var startIndex: Int { 0 }
    @inlinable
    public var endIndex: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Element { Element.read(from: _list, at: index) }
}

/// A list of enums.
public struct EnumList<Element: CapnpEnum>: ListReaderView, RandomAccessCollection {
    public let _list: ListReader
    @inlinable
    public init(_ list: ListReader) { _list = list }
    @inlinable
    public static var expectation: ListExpectation { .primitive(bytes: 2) }
    @inlinable
    public var startIndex: Int { 0 }
    @inlinable
    public var endIndex: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Element { Element(rawValue: _list.read(UInt16.self, at: index)) }
}

/// A list of structs.
public struct StructList<Element: StructReaderView>: ListReaderView, RandomAccessCollection {
    public let _list: ListReader
    @inlinable
    public init(_ list: ListReader) { _list = list }
    @inlinable
    public static var expectation: ListExpectation { .structs }
    @inlinable
    public var startIndex: Int { 0 }
    @inlinable
    public var endIndex: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Element { Element(_list.structElement(index)) }
}

/// A list of Voids: only a count.
public struct VoidList: ListReaderView, RandomAccessCollection {
    public let _list: ListReader
    @inlinable
    public init(_ list: ListReader) { _list = list }
    @inlinable
    public static var expectation: ListExpectation { .void }
    @inlinable
    public var startIndex: Int { 0 }
    @inlinable
    public var endIndex: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Void { () }
}

/// A list of pointers (texts, data, lists, AnyPointers); reading an element can fail.
public struct PointerList<Element: PointerValue>: ListReaderView {
    public let _list: ListReader
    @inlinable
    public init(_ list: ListReader) { _list = list }
    @inlinable
    public static var expectation: ListExpectation { .pointer }
    /// Number of elements.
    @inlinable
    public var count: Int { _list.count }
    /// Reads element `index`.
    @inlinable
    public func get(_ index: Int) throws -> Element { try Element.read(from: _list.pointerElement(index)) }
    /// Reads every element.
    public func toArray() throws -> [Element] { try (0..<count).map(get) }
}

extension PointerList where Element == String {
    /// Element `index` as a view of its bytes, without copying them (see ``BlobView``).
    @inlinable @inline(__always)
    public func view(_ index: Int) throws -> BlobView { try _list.pointerElement(index).textView() }
}

extension PointerList where Element == [UInt8] {
    /// Element `index` as a view of its bytes, without copying them (see ``BlobView``).
    @inlinable @inline(__always)
    public func view(_ index: Int) throws -> BlobView { try _list.pointerElement(index).dataView() }
}
