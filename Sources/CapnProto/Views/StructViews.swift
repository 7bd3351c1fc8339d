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
    @inlinable
    public static func read(from pointer: AnyPointerReader) throws -> String { try pointer.readText() }
}

extension Array: PointerValue where Element == UInt8 {
    @inlinable
    public static func read(from pointer: AnyPointerReader) throws -> [UInt8] { try pointer.readData() }
}

extension AnyPointerReader: PointerValue {
    @inlinable
    public static func read(from pointer: AnyPointerReader) throws -> AnyPointerReader { pointer }
}

/// A constant or default value embedded in generated code as the words of a message.
public struct EmbeddedValue: Sendable {
    /// The message holding the value at its root.
    public let message: MessageReader

    /// - Parameter segments: each segment's words, as the generator printed them.
    public init(segments: [[UInt64]]) {
        let bytes = segments.map { words in
            words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        }
        message = MessageReader(segments: bytes, options: ReaderOptions(traversalLimitWords: .max / 2))
    }

    /// The value as an untyped pointer.
    public var pointer: AnyPointerReader { message.rootPointer() }

    /// The value read as a struct (all defaults if the embedded words were not a struct).
    public var structValue: StructReader { (try? pointer.readStruct()) ?? .empty }

    /// The value read as a list.
    public func list(expecting expected: ListExpectation) -> ListReader {
        (try? pointer.readList(expecting: expected)) ?? .empty
    }
}
