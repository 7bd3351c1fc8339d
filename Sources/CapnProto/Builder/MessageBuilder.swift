// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A message under construction: a list of zeroed segments that grow as objects are added.
///
/// Objects go into the segment of the pointer that refers to them when there is room, and
/// otherwise into a later segment behind a far pointer, so a message never moves memory it
/// has handed out. Not `Sendable`: build on one task, then ``serialize()`` or read it back.
public final class MessageBuilder {
    /// How new segments are sized.
    public enum Growth: Sendable, Hashable {
        /// Each new segment is as large as all earlier ones together (as C++ capnp does).
        case heuristic
        /// Every segment has `firstSegmentWords` words (unless one object needs more); meant
        /// for tests that want many segments.
        case fixed
    }

    @usableFromInline
    final class Segment {
        @usableFromInline let base: UnsafeMutableRawPointer
        @usableFromInline let capacity: Int
        @usableFromInline var used: Int

        init(words: Int) {
            base = UnsafeMutableRawPointer.allocate(byteCount: words * 8, alignment: 8)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: words * 8)
            capacity = words
            used = 0
        }

        deinit { base.deallocate() }
    }

    @usableFromInline var segments: [Segment] = []
    private let firstSegmentWords: Int
    private let growth: Growth
    private var totalWords = 0

    /// - Parameters:
    ///   - firstSegmentWords: size of the first segment (C++ suggests 1024 words).
    ///   - growth: how later segments are sized.
    public init(firstSegmentWords: Int = 1024, growth: Growth = .heuristic) {
        self.firstSegmentWords = max(firstSegmentWords, 1)
        self.growth = growth
        let first = Segment(words: self.firstSegmentWords)
        first.used = 1  // the root pointer
        segments.append(first)
        totalWords = first.capacity
    }

    /// Allocates `words` zeroed words, in `preferred` when it has room.
    @usableFromInline
    func allocate(words: Int, preferring preferred: Int) -> (segment: Int, word: Int) {
        let candidate = segments[preferred]
        if candidate.capacity - candidate.used >= words {
            defer { candidate.used += words }
            return (preferred, candidate.used)
        }
        let lastIndex = segments.count - 1
        let last = segments[lastIndex]
        if last.capacity - last.used >= words {
            defer { last.used += words }
            return (lastIndex, last.used)
        }
        let size =
            switch growth {
            case .heuristic: max(words, totalWords)
            case .fixed: max(words, firstSegmentWords)
            }
        let segment = Segment(words: size)
        segment.used = words
        segments.append(segment)
        totalWords += size
        return (segments.count - 1, 0)
    }

    @inlinable func address(_ segment: Int, _ word: Int) -> UnsafeMutableRawPointer {
        segments[segment].base + word * 8
    }

    /// The root pointer slot.
    public var rootPointer: AnyPointerBuilder {
        AnyPointerBuilder(message: self, segment: 0, address: segments[0].base)
    }

    /// Starts a new root struct of the given layout, replacing any earlier root.
    public func initRoot(dataWords: Int, pointerCount: Int) -> StructBuilder {
        rootPointer.initStruct(dataWords: dataWords, pointerCount: pointerCount)
    }

    /// Starts a new root struct of a generated type.
    public func initRoot<T: StructBuilderView>(_ type: T.Type = T.self) -> T {
        T(initRoot(dataWords: T.dataWordCount, pointerCount: T.pointerCount))
    }

    /// The root struct, created if the message is still empty.
    public func root<T: StructBuilderView>(_ type: T.Type = T.self) -> T {
        T(rootPointer.getStruct(dataWords: T.dataWordCount, pointerCount: T.pointerCount))
    }

    /// Number of segments so far.
    public var segmentCount: Int { segments.count }

    /// The used part of each segment, as bytes.
    public func segmentBytes() -> [[UInt8]] {
        segments.map { [UInt8](UnsafeRawBufferPointer(start: $0.base, count: $0.used * 8)) }
    }

    /// The used part of each segment, in place (valid while the builder lives).
    public func withSegments<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        try body(segments.map { UnsafeRawBufferPointer(start: $0.base, count: $0.used * 8) })
    }

    /// The message in the standard stream framing (segment table, then segments).
    public func serialize() -> [UInt8] { withSegments { Framing.encode(segments: $0) } }

    /// The message framed and packed.
    public func serializePacked() -> [UInt8] { Packing.pack(serialize()) }

    /// Words in use across all segments (what the message costs on the wire, without framing).
    public var usedWords: Int { segments.reduce(0) { $0 + $1.used } }

    /// A reader over a copy of the message as it stands.
    public func reader(options: ReaderOptions = .default) -> MessageReader {
        MessageReader(segments: segmentBytes(), options: options)
    }
}
