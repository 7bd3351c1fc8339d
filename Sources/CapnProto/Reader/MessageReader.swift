// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// A received message: its segments, read in place, and the budget its readers draw on.
///
/// Segments are never copied once they are in memory the reader can point into; every
/// ``StructReader`` and ``ListReader`` is a view over them. The class is immutable except for
/// the traversal budget, which is atomic, so readers may be shared across tasks.
public final class MessageReader: @unchecked Sendable {
    // Invariant for @unchecked Sendable: the segment memory is written only before `init`
    // returns and is read-only afterwards; the only mutable state is the atomic budget.

    @usableFromInline
    struct Segment {
        @usableFromInline let base: UnsafeRawPointer
        @usableFromInline let words: Int
    }

    @usableFromInline let segments: [Segment]
    /// The limits this message is read under.
    public let options: ReaderOptions
    private let budget: Atomic<Int>
    private let ownedMemory: UnsafeMutableRawBufferPointer?
    private let owner: AnyObject?

    /// Reads a message whose segments live in memory owned by `owner`, without copying.
    ///
    /// - Parameters:
    ///   - segments: each segment's bytes; a length that is not a multiple of 8 is cut down.
    ///   - owner: an object that keeps the memory alive and unchanged while this reader lives.
    public init(borrowing segments: [UnsafeRawBufferPointer], owner: AnyObject, options: ReaderOptions = .default) {
        // An empty buffer may have no address; with zero words it is never dereferenced.
        self.segments = segments.map { Segment(base: $0.baseAddress ?? Self.placeholder, words: $0.count / 8) }
        self.options = options
        self.budget = Atomic(options.traversalLimitWords)
        self.ownedMemory = nil
        self.owner = owner
    }

    /// Reads a message made of the given segments, copying them once into aligned memory.
    public convenience init(segments: [[UInt8]], options: ReaderOptions = .default) {
        let total = segments.reduce(0) { $0 + ($1.count / 8) * 8 }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 8), alignment: 8)
        var ranges: [(Int, Int)] = []
        var at = 0
        for segment in segments {
            let length = (segment.count / 8) * 8
            segment.withUnsafeBytes { bytes in
                if length > 0 {
                    memory.baseAddress!.advanced(by: at).copyMemory(from: bytes.baseAddress!, byteCount: length)
                }
            }
            ranges.append((at, length))
            at += length
        }
        self.init(owning: memory, ranges: ranges, options: options)
    }

    /// Takes ownership of `memory` (allocated with alignment 8) holding segments at `ranges`.
    init(owning memory: UnsafeMutableRawBufferPointer, ranges: [(start: Int, length: Int)], options: ReaderOptions) {
        let base = UnsafeRawPointer(memory.baseAddress!)
        self.segments = ranges.map { Segment(base: base + $0.start, words: $0.length / 8) }
        self.options = options
        self.budget = Atomic(options.traversalLimitWords)
        self.ownedMemory = memory
        self.owner = nil
    }

    deinit {
        ownedMemory?.deallocate()
    }

    /// How many segments the message has.
    public var segmentCount: Int { segments.count }

    /// The words still left in the traversal budget.
    public var remainingTraversalWords: Int { budget.load(ordering: .relaxed) }

    /// The root struct. An empty message, or a null root, reads as a struct of all defaults.
    public func root() throws -> StructReader {
        guard let first = segments.first, first.words > 0 else { return StructReader.empty }
        return try AnyPointerReader(message: self, segment: 0, address: first.base, nestingLimit: options.nestingLimit)
            .readStruct()
    }

    /// The root as an untyped pointer.
    public func rootPointer() -> AnyPointerReader {
        guard let first = segments.first, first.words > 0 else { return AnyPointerReader.null }
        return AnyPointerReader(message: self, segment: 0, address: first.base, nestingLimit: options.nestingLimit)
    }

    /// The root viewed as a generated struct type.
    public func root<T: StructReaderView>(as type: T.Type = T.self) throws -> T { T(try root()) }

    /// Takes `words` from the traversal budget, failing once it is used up.
    @usableFromInline
    func charge(words: Int) throws {
        let before = budget.subtract(words, ordering: .relaxed).oldValue
        if before < words {
            throw CapnProtoError(
                .traversalLimitExceeded,
                "message exceeds the traversal limit of \(options.traversalLimitWords) words; "
                    + "raise ReaderOptions.traversalLimitWords if the input is trusted"
            )
        }
    }

    /// A message with no segments, behind every default-valued reader.
    public static let empty = MessageReader(segments: [[UInt8](repeating: 0, count: 8)])

    @usableFromInline static var placeholder: UnsafeRawPointer { empty.segments[0].base }
}
