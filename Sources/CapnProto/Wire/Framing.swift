// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The standard stream framing: a segment table (count − 1, then each segment's size in
/// words, as little-endian UInt32s, padded to a word) followed by the segments.
public enum Framing {
    /// Frames the given segments.
    public static func encode(segments: [UnsafeRawBufferPointer]) -> [UInt8] {
        var out = table(sizes: segments.map(\.count))
        out.reserveCapacity(out.count + segments.reduce(0) { $0 + $1.count })
        for segment in segments { out.append(contentsOf: segment) }
        return out
    }

    /// Frames segments given as byte arrays.
    public static func encode(segments: [[UInt8]]) -> [UInt8] {
        var out = table(sizes: segments.map(\.count))
        for segment in segments { out += segment }
        return out
    }

    /// The segment table for segments of the given byte sizes (none frames as one empty segment).
    static func table(sizes: [Int]) -> [UInt8] {
        // The table stores count − 1: with no segments that would trap converting −1 to UInt32.
        let sizes = sizes.isEmpty ? [0] : sizes
        var table = [UInt8](repeating: 0, count: ((sizes.count + 2) / 2) * 8)
        table.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(sizes.count - 1).littleEndian, toByteOffset: 0, as: UInt32.self)
            for (index, size) in sizes.enumerated() {
                raw.storeBytes(of: UInt32(size / 8).littleEndian, toByteOffset: 4 + index * 4, as: UInt32.self)
            }
        }
        return table
    }

    /// Where a frame's segments lie, as byte ranges from the frame's start.
    public struct Layout: Sendable, Equatable {
        /// Each segment's start and length in bytes.
        public var segments: [(start: Int, length: Int)]
        /// The frame's total length in bytes.
        public var frameLength: Int

        public static func == (lhs: Layout, rhs: Layout) -> Bool {
            lhs.frameLength == rhs.frameLength && lhs.segments.elementsEqual(rhs.segments) { $0 == $1 }
        }
    }

    /// The segment count and the table's length in bytes, once the table has arrived (`nil` before).
    ///
    /// - Throws: ``CapnProtoErrorCode/tooManySegments`` beyond `options.segmentLimit`.
    @inline(__always)
    static func segmentTable(_ bytes: UnsafeRawBufferPointer, options: ReaderOptions) throws -> (Int, Int)? {
        guard bytes.count >= 4 else { return nil }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))) + 1
        guard count <= options.segmentLimit else {
            throw CapnProtoError(
                .tooManySegments,
                "frame declares \(count) segments; the limit is \(options.segmentLimit)"
            )
        }
        let tableBytes = ((count + 2) / 2) * 8
        return bytes.count >= tableBytes ? (count, tableBytes) : nil
    }

    /// Refuses a frame whose segments add up to more words than the traversal limit.
    @inline(__always)
    static func checkSize(_ totalWords: Int, options: ReaderOptions) throws {
        guard totalWords <= options.traversalLimitWords else {
            throw CapnProtoError(
                .segmentTooLarge,
                "frame of over \(totalWords) words exceeds the limit of \(options.traversalLimitWords)"
            )
        }
    }

    /// Reads the segment table at the start of `bytes`.
    ///
    /// - Returns: the layout, or `nil` when `bytes` does not yet hold the whole frame.
    /// - Throws: ``CapnProtoError`` when the table is hostile (too many segments, a message
    ///   larger than the traversal limit allows).
    public static func layout(of bytes: UnsafeRawBufferPointer, options: ReaderOptions = .default) throws -> Layout? {
        guard let (count, tableBytes) = try segmentTable(bytes, options: options) else { return nil }
        var segments: [(start: Int, length: Int)] = []
        segments.reserveCapacity(count)
        var at = tableBytes
        var totalWords = 0
        for index in 0..<count {
            let words = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 + index * 4, as: UInt32.self)))
            totalWords += words
            try checkSize(totalWords, options: options)
            segments.append((at, words * 8))
            at += words * 8
        }
        guard bytes.count >= at else { return nil }
        return Layout(segments: segments, frameLength: at)
    }

    /// Reads one whole frame, copying it once into aligned memory.
    ///
    /// - Throws: ``CapnProtoErrorCode/truncatedFrame`` when `bytes` ends early.
    public static func decode(
        _ bytes: some Collection<UInt8>,
        options: ReaderOptions = .default
    ) throws
        -> MessageReader
    {
        if let reader = try bytes.withContiguousStorageIfAvailable({
            try whole(UnsafeRawBufferPointer($0), keeping: nil, options: options)
        }) {
            return reader
        }
        return try [UInt8](bytes).withUnsafeBytes { try whole($0, keeping: nil, options: options) }
    }

    /// Reads one whole frame from an array, in place: the reader keeps the array (which an
    /// array never moves or changes while it is shared) instead of copying it.
    ///
    /// - Throws: ``CapnProtoErrorCode/truncatedFrame`` when `bytes` ends early.
    public static func decode(_ bytes: [UInt8], options: ReaderOptions = .default) throws -> MessageReader {
        try bytes.withUnsafeBytes { try whole($0, keeping: bytes, options: options) }
    }

    private static func whole(
        _ buffer: UnsafeRawBufferPointer,
        keeping storage: [UInt8]?,
        options: ReaderOptions
    ) throws -> MessageReader {
        guard let (reader, _) = try decodePrefix(buffer, keeping: storage, options: options) else {
            throw CapnProtoError(.truncatedFrame, "input of \(buffer.count) bytes ends inside the frame")
        }
        return reader
    }

    /// Reads the frame at the start of `bytes` if it is complete.
    ///
    /// - Returns: the message (copied into memory it owns) and the frame length, or `nil`
    ///   when more bytes are needed.
    public static func decodePrefix(
        _ bytes: UnsafeRawBufferPointer,
        options: ReaderOptions = .default
    ) throws
        -> (MessageReader, Int)?
    {
        try decodePrefix(bytes, keeping: nil, options: options)
    }

    /// `decodePrefix`, reading the segments in place when `storage` holds `bytes` (and they
    /// are word-aligned there), else copying them.
    static func decodePrefix(
        _ bytes: UnsafeRawBufferPointer,
        keeping storage: [UInt8]?,
        options: ReaderOptions
    ) throws
        -> (MessageReader, Int)?
    {
        // The same checks as `layout(of:)`, without building a layout: this is every decode's path.
        guard let base = bytes.baseAddress, let (count, tableBytes) = try segmentTable(bytes, options: options) else {
            return nil
        }
        var totalWords = 0
        for index in 0..<count {
            totalWords += Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 + index * 4, as: UInt32.self)))
            try checkSize(totalWords, options: options)
        }
        let frameLength = tableBytes + totalWords * 8
        guard bytes.count >= frameLength else { return nil }
        let body = base + tableBytes
        let aligned = Int(bitPattern: body) & 7 == 0
        let reader = MessageReader(
            sizes: base,
            segmentCount: count,
            totalWords: totalWords,
            body: body,
            keeping: aligned ? storage : nil,
            options: options
        )
        return (reader, frameLength)
    }
}
