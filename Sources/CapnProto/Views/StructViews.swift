// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A generated struct reader: a typed face over a ``StructReader``.
public protocol StructReaderView: Sendable {
    /// Wraps an untyped reader.
    init(_ reader: StructReader)
    /// The untyped reader underneath.
    var _reader: StructReader { get }
}

/// A generated struct builder: a typed face over a ``StructBuilder``.
public protocol StructBuilderView {
    /// Wraps an untyped builder.
    init(_ builder: StructBuilder)
    /// The untyped builder underneath.
    var _builder: StructBuilder { get }
    /// Data words of the struct's layout.
    static var dataWordCount: Int { get }
    /// Pointers of the struct's layout.
    static var pointerCount: Int { get }
}

/// A generated enum: known enumerants plus a case that keeps values from newer schemas.
public protocol CapnpEnum: Sendable, Hashable {
    init(rawValue: UInt16)
    var rawValue: UInt16 { get }
}

/// A value that can be read from, and written to, a pointer slot: text, data, lists, AnyPointer.
public protocol PointerValue {
    /// Reads the value; null reads as the empty value.
    static func read(from pointer: AnyPointerReader) throws -> Self
}

extension String: PointerValue {
    public static func read(from pointer: AnyPointerReader) throws -> String { try pointer.readText() }
}

extension Array: PointerValue where Element == UInt8 {
    public static func read(from pointer: AnyPointerReader) throws -> [UInt8] { try pointer.readData() }
}

extension AnyPointerReader: PointerValue {
    public static func read(from pointer: AnyPointerReader) throws -> AnyPointerReader { pointer }
}
