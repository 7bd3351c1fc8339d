// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A message under construction: a list of segments that grow as objects are added.
///
/// Objects go into the segment of the pointer that refers to them when there is room, and
/// otherwise into a later segment behind a far pointer, so a message never moves memory it
/// has handed out. Every word handed out is zeroed first (a segment's unused tail is never
/// read, so it is not zeroed up front). Not `Sendable`: build on one task, then
/// ``serialize()`` or read it back.
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
    struct Segment {
        @usableFromInline let base: UnsafeMutableRawPointer
        @usableFromInline let capacity: Int
        @usableFromInline var used: Int

        @usableFromInline
        init(base: UnsafeMutableRawPointer, capacity: Int, used: Int) {
            self.base = base
            self.capacity = capacity
            self.used = used
        }
    }

    /// The segments, `segmentCount` of them in a buffer of `tableCapacity` owned by the builder
    /// (a raw buffer rather than an array so inlined writers reach a segment without a
    /// uniqueness check or a retain).
    @usableFromInline var table: UnsafeMutablePointer<Segment>
    /// Number of segments so far.
    public private(set) var segmentCount: Int
    private var tableCapacity: Int
    private let firstSegmentWords: Int
    private let growth: Growth
    private var totalWords: Int

    /// - Parameters:
    ///   - firstSegmentWords: size of the first segment (C++ suggests 1024 words).
    ///   - growth: how later segments are sized.
    public init(firstSegmentWords: Int = 1024, growth: Growth = .heuristic) {
        self.firstSegmentWords = max(firstSegmentWords, 1)
        self.growth = growth
        tableCapacity = 4
        table = .allocate(capacity: tableCapacity)
        let base = UnsafeMutableRawPointer.allocate(byteCount: self.firstSegmentWords * 8, alignment: 8)
        base.storeBytes(of: 0, as: UInt64.self)  // the root pointer, null until set
        table.initialize(to: Segment(base: base, capacity: self.firstSegmentWords, used: 1))
        segmentCount = 1
        totalWords = self.firstSegmentWords
    }

    deinit {
        for index in 0..<segmentCount { table[index].base.deallocate() }
        table.deallocate()
    }

    /// Allocates `words` zeroed words, in `preferred` when it has room.
    @inlinable
    func allocate(words: Int, preferring preferred: Int) -> (segment: Int, word: Int) {
        let place = reserve(words: words, preferring: preferred)
        Self.zero(table[place.segment].base + place.word &* 8, words: words)
        return place
    }

    /// Allocates `words` words whose contents the caller writes in full, in `preferred` when
    /// it has room.
    @inlinable
    func reserve(words: Int, preferring preferred: Int) -> (segment: Int, word: Int) {
        let used = table[preferred].used
        if table[preferred].capacity &- used >= words {
            table[preferred].used = used &+ words
            return (preferred, used)
        }
        return reserveElsewhere(words: words)
    }

    /// Zeroes `words` words; small objects (most structs and pointers) without a call.
    @inlinable @inline(__always)
    static func zero(_ start: UnsafeMutableRawPointer, words: Int) {
        if words <= 8 {
            for index in 0..<words { start.storeBytes(of: 0, toByteOffset: index &* 8, as: UInt64.self) }
        } else {
            start.initializeMemory(as: UInt8.self, repeating: 0, count: words &* 8)
        }
    }

    @usableFromInline
    func reserveElsewhere(words: Int) -> (segment: Int, word: Int) {
        let lastIndex = segmentCount - 1
        let last = table[lastIndex]
        if last.capacity - last.used >= words {
            table[lastIndex].used += words
            return (lastIndex, last.used)
        }
        let size =
            switch growth {
            case .heuristic: max(words, totalWords)
            case .fixed: max(words, firstSegmentWords)
            }
        if segmentCount == tableCapacity {
            let larger = UnsafeMutablePointer<Segment>.allocate(capacity: tableCapacity * 2)
            larger.moveInitialize(from: table, count: segmentCount)
            table.deallocate()
            table = larger
            tableCapacity *= 2
        }
        let base = UnsafeMutableRawPointer.allocate(byteCount: size * 8, alignment: 8)
        (table + segmentCount).initialize(to: Segment(base: base, capacity: size, used: words))
        segmentCount += 1
        totalWords += size
        return (segmentCount - 1, 0)
    }

    @inlinable func address(_ segment: Int, _ word: Int) -> UnsafeMutableRawPointer {
        table[segment].base + word &* 8
    }

    /// The root pointer slot.
    public var rootPointer: AnyPointerBuilder {
        AnyPointerBuilder(message: self, segment: 0, address: table[0].base)
    }

    /// Starts a new root struct of the given layout, replacing any earlier root.
    public func initRoot(dataWords: Int, pointerCount: Int) -> StructBuilder {
        rootPointer.initStruct(dataWords: dataWords, pointerCount: pointerCount)
    }

    /// Starts a new root struct of a generated type.
    @inlinable
    public func initRoot<T: StructBuilderView>(_ type: T.Type = T.self) -> T {
        T(initRoot(dataWords: T.dataWordCount, pointerCount: T.pointerCount))
    }

    /// The root struct, created if the message is still empty.
    public func root<T: StructBuilderView>(_ type: T.Type = T.self) -> T {
        T(rootPointer.getStruct(dataWords: T.dataWordCount, pointerCount: T.pointerCount))
    }

    /// The used part of each segment, as bytes.
    public func segmentBytes() -> [[UInt8]] {
        (0..<segmentCount).map { [UInt8](UnsafeRawBufferPointer(start: table[$0].base, count: table[$0].used * 8)) }
    }

    /// The used part of each segment, in place (valid while the builder lives).
    public func withSegments<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        try body((0..<segmentCount).map { UnsafeRawBufferPointer(start: table[$0].base, count: table[$0].used * 8) })
    }

    /// The message in the standard stream framing (segment table, then segments).
    public func serialize() -> [UInt8] {
        let tableBytes = ((segmentCount + 2) / 2) * 8
        let total = tableBytes + usedWords * 8
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            guard let out = UnsafeMutableRawPointer(buffer.baseAddress) else { return }
            writeFrame(to: out, tableBytes: tableBytes)
            initialized = total
        }
    }

    /// The length of ``serialize()``'s frame, segment table included.
    public var frameByteCount: Int { ((segmentCount + 2) / 2) * 8 + usedWords * 8 }

    /// Writes the frame ``serialize()`` returns into `out`, which holds at least
    /// ``frameByteCount`` bytes: a transport frames a message straight into its own buffer.
    public func writeFrame(into out: UnsafeMutableRawBufferPointer) {
        guard let base = out.baseAddress, out.count >= frameByteCount else {
            preconditionFailure("writeFrame(into:) needs frameByteCount bytes")
        }
        writeFrame(to: base, tableBytes: ((segmentCount + 2) / 2) * 8)
    }

    /// Writes the segment table (`tableBytes` long) and the segments to `out`.
    func writeFrame(to out: UnsafeMutableRawPointer, tableBytes: Int) {
        // The last table word may be half padding: zero it before the sizes go in.
        out.storeBytes(of: 0, toByteOffset: tableBytes - 8, as: UInt64.self)
        out.storeBytes(of: UInt32(segmentCount - 1).littleEndian, as: UInt32.self)
        var at = tableBytes
        for index in 0..<segmentCount {
            let segment = table[index]
            out.storeBytes(of: UInt32(segment.used).littleEndian, toByteOffset: 4 + index * 4, as: UInt32.self)
            (out + at).copyMemory(from: segment.base, byteCount: segment.used * 8)
            at += segment.used * 8
        }
    }

    /// The message framed and packed.
    public func serializePacked() -> [UInt8] {
        guard segmentCount == 1 else { return Packing.pack(serialize()) }
        // Packs the one-word table and the segment where it lies, without framing a copy.
        let header = UInt64(UInt32(table[0].used)) << 32
        return Packing.pack(
            header: header,
            body: UnsafeRawBufferPointer(start: table[0].base, count: table[0].used * 8)
        )
    }

    /// Words in use across all segments (what the message costs on the wire, without framing).
    public var usedWords: Int { (0..<segmentCount).reduce(0) { $0 + table[$1].used } }

    /// A reader over a copy of the message as it stands (one copy, straight from the segments).
    public func reader(options: ReaderOptions = .default) -> MessageReader {
        let words = (0..<segmentCount).map { table[$0].used }
        return MessageReader(segmentWords: words, options: options) { destination in
            var at = destination
            for index in 0..<segmentCount {
                at.copyMemory(from: table[index].base, byteCount: words[index] * 8)
                at += words[index] * 8
            }
        }
    }
}
