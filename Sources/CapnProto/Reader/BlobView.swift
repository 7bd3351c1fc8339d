// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The bytes of a Text (without its NUL) or Data field, read in place.
///
/// Where a `String` getter copies and validates the text, a view costs nothing until its
/// bytes are used, like C++ capnp's `Text::Reader`. It keeps its message alive, so it stays
/// valid as long as it exists.
public struct BlobView: RandomAccessCollection, @unchecked Sendable {
    // Sendable: points into a MessageReader's immutable segments, which `message` keeps alive.
    @usableFromInline let message: MessageReader
    @usableFromInline let bytes: UnsafeRawBufferPointer

    @inlinable
    init(message: MessageReader, bytes: UnsafeRawBufferPointer) {
        self.message = message
        self.bytes = bytes
    }

    /// An empty view.
    public static var empty: BlobView { BlobView(message: .empty, bytes: UnsafeRawBufferPointer(start: nil, count: 0)) }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { bytes.count }
    @inlinable public var count: Int { bytes.count }
    @inlinable public subscript(position: Int) -> UInt8 {
        // Checked in release builds too: an unchecked read here could reach past the message.
        precondition(position >= 0 && position < bytes.count, "index \(position) out of range 0..<\(bytes.count)")
        return bytes[position]
    }

    /// The bytes decoded as UTF-8 (invalid sequences become U+FFFD).
    public var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// Runs `body` over the bytes without copying them.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(message) { try body(bytes) }
    }
}

extension AnyPointerReader {
    /// The text here as a view (empty for null).
    @inlinable @inline(__always)
    public func textView() throws -> BlobView {
        guard let bytes = try textBytes() else { return .empty }
        return BlobView(message: message, bytes: bytes)
    }

    /// The data here as a view (empty for null).
    @inlinable @inline(__always)
    public func dataView() throws -> BlobView {
        guard let bytes = try dataBytes() else { return .empty }
        return BlobView(message: message, bytes: bytes)
    }
}
