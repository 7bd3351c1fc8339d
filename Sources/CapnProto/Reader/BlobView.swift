// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The bytes of a Text (without its NUL) or Data field, read in place.
///
/// Where a `String` getter copies and validates the text, a view costs nothing until its
/// bytes are used, like C++ capnp's `Text::Reader`. It keeps its message alive, so it stays
/// valid as long as it exists.
public struct BlobView: RandomAccessCollection, Sendable {
    // Sendable: points into a MessageReader's immutable segments, which `message` keeps alive.
    private let message: MessageReader
    private let bytes: UnsafeRawBufferPointerBox

    init(message: MessageReader, bytes: UnsafeRawBufferPointer) {
        self.message = message
        self.bytes = UnsafeRawBufferPointerBox(bytes)
    }

    /// An empty view.
    public static var empty: BlobView { BlobView(message: .empty, bytes: UnsafeRawBufferPointer(start: nil, count: 0)) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { bytes.buffer.count }
    public subscript(position: Int) -> UInt8 { bytes.buffer[position] }

    /// The bytes decoded as UTF-8 (invalid sequences become U+FFFD).
    public var string: String { String(decoding: bytes.buffer, as: UTF8.self) }

    /// Runs `body` over the bytes without copying them.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(message) { try body(bytes.buffer) }
    }
}

/// An immutable buffer pointer that may cross tasks (the memory it names is read-only).
struct UnsafeRawBufferPointerBox: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }
}

extension AnyPointerReader {
    /// The text here as a view (empty for null).
    public func textView() throws -> BlobView {
        guard let bytes = try textBytes() else { return .empty }
        return BlobView(message: message, bytes: bytes)
    }

    /// The data here as a view (empty for null).
    public func dataView() throws -> BlobView {
        guard let bytes = try dataBytes() else { return .empty }
        return BlobView(message: message, bytes: bytes)
    }
}
