// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// A received message: its segments, read in place, and the budget its readers draw on.
///
/// Segments are never copied once they are in memory the reader can point into; every
/// ``StructReader`` and ``ListReader`` is a view over them. The class is immutable except for
/// the traversal budget, which is atomic, so readers may be shared across tasks.
public final class MessageReader: @unchecked Sendable {
    // Invariant for @unchecked Sendable: the segment memory and the segment table are written
    // only before `init` returns and are read-only afterwards; the only mutable state is the
    // atomic budget.

    @usableFromInline
    struct Segment {
        @usableFromInline let base: UnsafeRawPointer
        @usableFromInline let words: Int

        @usableFromInline
        init(base: UnsafeRawPointer, words: Int) {
            self.base = base
            self.words = words
        }
    }

    /// The segment table: `segmentCount` entries, owned by this reader. A raw table rather
    /// than an array so inlined readers index it without a bounds check or a retain; every
    /// index they use comes from this table's own range (checked where it enters: far pointers).
    @usableFromInline let table: UnsafeMutablePointer<Segment>
    /// How many segments the message has.
    public let segmentCount: Int
    /// The limits this message is read under.
    public let options: ReaderOptions
    @usableFromInline let budget: Atomic<Int>
    /// Memory this reader frees: the table, and the segments when they were copied in.
    private let allocation: UnsafeMutableRawPointer
    private let owner: AnyObject?
    /// The caller's bytes when the segments are read where they lie in them.
    private let storage: [UInt8]

    /// Reads a message whose segments live in memory owned by `owner`, without copying.
    ///
    /// - Parameters:
    ///   - segments: each segment's bytes; a length that is not a multiple of 8 is cut down.
    ///   - owner: an object that keeps the memory alive and unchanged while this reader lives.
    public init(borrowing segments: [UnsafeRawBufferPointer], owner: AnyObject, options: ReaderOptions = .default) {
        let table = UnsafeMutablePointer<Segment>.allocate(capacity: max(segments.count, 1))
        for (index, segment) in segments.enumerated() {
            // An empty buffer may have no address; with zero words it is never dereferenced.
            (table + index).initialize(
                to: Segment(base: segment.baseAddress ?? Self.placeholder, words: segment.count / 8)
            )
        }
        self.table = table
        self.segmentCount = segments.count
        self.options = options
        self.budget = Atomic(options.traversalLimitWords)
        self.allocation = UnsafeMutableRawPointer(table)
        self.owner = owner
        self.storage = []
    }

    /// Reads a message made of the given segments, copying them once into aligned memory.
    public convenience init(segments: [[UInt8]], options: ReaderOptions = .default) {
        let words = segments.map { $0.count / 8 }
        self.init(segmentWords: words, options: options) { destination in
            var at = destination
            for (segment, count) in zip(segments, words) where count > 0 {
                segment.withUnsafeBytes { bytes in
                    if let source = bytes.baseAddress { at.copyMemory(from: source, byteCount: count * 8) }
                }
                at += count * 8
            }
        }
    }

    /// Allocates the table and the segments (of `segmentWords` words each, back to back) in
    /// one block, and lets `fill` write the segments' bytes to the block's data part.
    init(
        segmentWords: [Int],
        options: ReaderOptions,
        fill: (UnsafeMutableRawPointer) throws -> Void
    ) rethrows {
        let tableBytes = max(segmentWords.count, 1) * MemoryLayout<Segment>.stride
        let totalWords = segmentWords.reduce(0, +)
        let block = UnsafeMutableRawPointer.allocate(
            byteCount: tableBytes + max(totalWords, 1) * 8,
            alignment: max(8, MemoryLayout<Segment>.alignment)
        )
        let data = block + tableBytes
        do { try fill(data) } catch {
            block.deallocate()
            throw error
        }
        let table = block.bindMemory(to: Segment.self, capacity: max(segmentWords.count, 1))
        var at = 0
        for (index, words) in segmentWords.enumerated() {
            (table + index).initialize(to: Segment(base: UnsafeRawPointer(data + at * 8), words: words))
            at += words
        }
        self.table = table
        self.segmentCount = segmentWords.count
        self.options = options
        self.budget = Atomic(options.traversalLimitWords)
        self.allocation = block
        self.owner = nil
        self.storage = []
    }

    /// Reads the segments of a frame whose segment table (already checked by the caller) is at
    /// `sizes` and whose segments, `totalWords` in all, follow at `body`. With `storage` (the
    /// array `body` points into) they are read in place and the array is kept; otherwise they
    /// are copied once, with the table, into one block.
    init(
        sizes: UnsafeRawPointer,
        segmentCount: Int,
        totalWords: Int,
        body: UnsafeRawPointer,
        keeping storage: [UInt8]?,
        options: ReaderOptions
    ) {
        let tableBytes = max(segmentCount, 1) * MemoryLayout<Segment>.stride
        let block = UnsafeMutableRawPointer.allocate(
            byteCount: tableBytes + (storage == nil ? max(totalWords, 1) * 8 : 0),
            alignment: max(8, MemoryLayout<Segment>.alignment)
        )
        let data: UnsafeRawPointer
        if storage == nil {
            if totalWords > 0 { (block + tableBytes).copyMemory(from: body, byteCount: totalWords * 8) }
            data = UnsafeRawPointer(block + tableBytes)
        } else {
            data = body
        }
        let table = block.bindMemory(to: Segment.self, capacity: max(segmentCount, 1))
        var at = 0
        for index in 0..<segmentCount {
            let words = Int(UInt32(littleEndian: sizes.loadUnaligned(fromByteOffset: 4 + index * 4, as: UInt32.self)))
            (table + index).initialize(to: Segment(base: data + at * 8, words: words))
            at += words
        }
        self.table = table
        self.segmentCount = segmentCount
        self.options = options
        self.budget = Atomic(options.traversalLimitWords)
        self.allocation = block
        self.owner = nil
        self.storage = storage ?? []
    }

    deinit {
        allocation.deallocate()
    }

    /// The words still left in the traversal budget.
    public var remainingTraversalWords: Int { budget.load(ordering: .relaxed) }

    /// Segment `index`, which must lie in `0..<segmentCount`.
    @inlinable @inline(__always)
    func segment(_ index: Int) -> Segment { table[index] }

    /// The root struct. An empty message, or a null root, reads as a struct of all defaults.
    @inlinable
    public func root() throws -> StructReader {
        guard segmentCount > 0, table[0].words > 0 else { return StructReader.empty }
        return try AnyPointerReader(
            message: self,
            segment: 0,
            address: table[0].base,
            nestingLimit: options.nestingLimit
        )
        .readStruct()
    }

    /// The root as an untyped pointer.
    public func rootPointer() -> AnyPointerReader {
        guard segmentCount > 0, table[0].words > 0 else { return AnyPointerReader.null }
        return AnyPointerReader(message: self, segment: 0, address: table[0].base, nestingLimit: options.nestingLimit)
    }

    /// The root viewed as a generated struct type.
    @inlinable
    public func root<T: StructReaderView>(as type: T.Type = T.self) throws -> T { T(try root()) }

    /// Takes `words` from the traversal budget, failing once it is used up.
    @inlinable @inline(__always)
    func charge(words: Int) throws {
        // One atomic subtraction, so no charge is lost when tasks share a message.
        if budget.subtract(words, ordering: .relaxed).oldValue < words { throw traversalLimitError() }
    }

    @usableFromInline
    func traversalLimitError() -> CapnProtoError {
        CapnProtoError(
            .traversalLimitExceeded,
            "message exceeds the traversal limit of \(options.traversalLimitWords) words; "
                + "raise ReaderOptions.traversalLimitWords if the input is trusted"
        )
    }

    /// A message with no segments, behind every default-valued reader.
    public static let empty = MessageReader(segments: [[UInt8](repeating: 0, count: 8)])

    @usableFromInline static var placeholder: UnsafeRawPointer { empty.table[0].base }
}
