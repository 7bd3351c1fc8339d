// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A pointer slot in a received message, not yet interpreted.
///
/// Every typed pointer read (struct, list, text, data, capability) starts here: this type
/// follows far pointers, checks that targets lie inside their segment, charges the traversal
/// budget and spends one level of the nesting limit.
public struct AnyPointerReader: @unchecked Sendable {
    // Sendable: points into a MessageReader's immutable segments, which `message` keeps alive.
    public let message: MessageReader
    @usableFromInline let segment: Int
    @usableFromInline let address: UnsafeRawPointer
    @usableFromInline let nestingLimit: Int

    @usableFromInline
    init(message: MessageReader, segment: Int, address: UnsafeRawPointer, nestingLimit: Int) {
        self.message = message
        self.segment = segment
        self.address = address
        self.nestingLimit = nestingLimit
    }

    /// A null pointer.
    public static var null: AnyPointerReader {
        AnyPointerReader(message: .empty, segment: 0, address: MessageReader.placeholder, nestingLimit: 0)
    }

    /// The raw pointer word.
    @inlinable public var word: UInt64 { UInt64(littleEndian: address.loadUnaligned(as: UInt64.self)) }

    /// Whether the slot holds a null pointer.
    @inlinable public var isNull: Bool { word == 0 }

    /// What the pointer points at, ignoring far-pointer indirection.
    public enum Kind: Sendable, Equatable {
        case null, structure, list, capability, other
    }

    /// The kind of object behind the pointer (far pointers are followed).
    public var kind: Kind {
        let resolved: Target??
        do { resolved = try resolve() } catch { resolved = nil }
        guard let resolved else { return .other }
        guard let target = resolved else { return .null }
        switch WirePointer.kind(target.tag) {
        case WirePointer.kindStruct: return .structure
        case WirePointer.kindList: return .list
        default: return WirePointer.isCapability(target.tag) ? .capability : .other
        }
    }

    /// Where a pointer leads: the word describing the object and where its content starts.
    @usableFromInline
    struct Target {
        @usableFromInline var tag: UInt64
        @usableFromInline var segment: Int
        /// Word index of the content in `segment` (may be out of range: callers check sizes).
        @usableFromInline var word: Int
    }

    /// Word index of this slot in its segment.
    @inlinable @inline(__always)
    func wordIndex(in segment: MessageReader.Segment) -> Int { (address - segment.base) &>> 3 }

    /// Follows far pointers; `nil` for a null pointer.
    @usableFromInline
    func resolve() throws -> Target? {
        let word = self.word
        if word == 0 { return nil }
        let segmentCount = message.segmentCount
        switch WirePointer.kind(word) {
        case WirePointer.kindFar:
            let padSegment = WirePointer.farSegment(word)
            let padWord = WirePointer.farPadOffset(word)
            guard padSegment < segmentCount else {
                throw CapnProtoError(.invalidFarPointer, "far pointer names segment \(padSegment) of \(segmentCount)")
            }
            let pad = message.segment(padSegment)
            let padWords = WirePointer.farIsDouble(word) ? 2 : 1
            guard padWord + padWords <= pad.words else {
                throw CapnProtoError(.invalidFarPointer, "far pointer landing pad lies outside segment \(padSegment)")
            }
            let padAddress = pad.base + padWord * 8
            let first = UInt64(littleEndian: padAddress.loadUnaligned(as: UInt64.self))
            if padWords == 1 {
                guard WirePointer.kind(first) != WirePointer.kindFar else {
                    throw CapnProtoError(.invalidFarPointer, "far pointer lands on another far pointer")
                }
                if WirePointer.kind(first) == WirePointer.kindOther {
                    return Target(tag: first, segment: padSegment, word: 0)
                }
                return Target(tag: first, segment: padSegment, word: padWord + 1 + WirePointer.offset(first))
            }
            let tag = UInt64(littleEndian: (padAddress + 8).loadUnaligned(as: UInt64.self))
            guard WirePointer.kind(first) == WirePointer.kindFar, !WirePointer.farIsDouble(first) else {
                throw CapnProtoError(
                    .invalidFarPointer,
                    "double-far landing pad does not start with a single far pointer"
                )
            }
            guard WirePointer.kind(tag) == WirePointer.kindStruct || WirePointer.kind(tag) == WirePointer.kindList
            else {
                throw CapnProtoError(.invalidFarPointer, "double-far landing pad tag is not a struct or list pointer")
            }
            let contentSegment = WirePointer.farSegment(first)
            guard contentSegment < segmentCount else {
                throw CapnProtoError(
                    .invalidFarPointer,
                    "far pointer names segment \(contentSegment) of \(segmentCount)"
                )
            }
            return Target(tag: tag, segment: contentSegment, word: WirePointer.farPadOffset(first))
        case WirePointer.kindOther:
            return Target(tag: word, segment: segment, word: 0)
        default:
            let here = wordIndex(in: message.segment(segment))
            return Target(tag: word, segment: segment, word: here + 1 + WirePointer.offset(word))
        }
    }

    @usableFromInline
    func checkNesting() throws {
        guard nestingLimit > 0 else {
            throw CapnProtoError(
                .nestingLimitExceeded,
                "message nests deeper than the limit of \(message.options.nestingLimit)"
            )
        }
    }

    // Each typed read below has an inlined fast path for the common case (a near pointer of
    // the expected kind whose target lies in its segment, within the nesting limit) that
    // checks and charges exactly what the general path does; anything else (null, far,
    // malformed, over a limit) takes the general path, which decides and throws.

    /// Reads the pointer as a struct; null reads as `defaultValue` (all defaults if none given).
    @inlinable @inline(__always)
    public func readStruct(default defaultValue: StructReader? = nil) throws -> StructReader {
        let word = self.word
        if WirePointer.kind(word) == WirePointer.kindStruct, word != 0, nestingLimit > 0 {
            let segment = message.segment(self.segment)
            let start = wordIndex(in: segment) &+ 1 &+ WirePointer.offset(word)
            let dataWords = WirePointer.structDataWords(word)
            let pointerCount = WirePointer.structPointerCount(word)
            if start >= 0, start &+ dataWords &+ pointerCount <= segment.words {
                try message.charge(words: dataWords &+ pointerCount)
                let data = segment.base + start &* 8
                return StructReader(
                    message: message,
                    segment: self.segment,
                    data: data,
                    dataBits: dataWords &* 64,
                    pointers: data + dataWords &* 8,
                    pointerCount: pointerCount,
                    nestingLimit: nestingLimit &- 1
                )
            }
        }
        return try readStructGeneral(default: defaultValue)
    }

    @usableFromInline
    func readStructGeneral(default defaultValue: StructReader?) throws -> StructReader {
        guard let target = try resolve() else { return defaultValue ?? .empty }
        guard WirePointer.kind(target.tag) == WirePointer.kindStruct else {
            throw CapnProtoError(.unexpectedPointerType, "expected a struct pointer, found \(describe(target.tag))")
        }
        try checkNesting()
        let dataWords = WirePointer.structDataWords(target.tag)
        let pointerCount = WirePointer.structPointerCount(target.tag)
        let segment = message.segment(target.segment)
        guard target.word >= 0, target.word + dataWords + pointerCount <= segment.words else {
            throw CapnProtoError(.pointerOutOfBounds, "struct pointer leads outside segment \(target.segment)")
        }
        try message.charge(words: dataWords + pointerCount)
        let data = segment.base + target.word * 8
        return StructReader(
            message: message,
            segment: target.segment,
            data: data,
            dataBits: dataWords * 64,
            pointers: data + dataWords * 8,
            pointerCount: pointerCount,
            nestingLimit: nestingLimit - 1
        )
    }

    /// Reads the pointer as a list whose elements will be read as `expected`.
    ///
    /// Follows C++ capnp's compatibility rules: a struct list can be read from a list of
    /// primitives or pointers and the other way round, but bit lists only as bit lists.
    @inlinable @inline(__always)
    public func readList(
        expecting expected: ListExpectation,
        default defaultValue: ListReader? = nil
    ) throws
        -> ListReader
    {
        let word = self.word
        if WirePointer.kind(word) == WirePointer.kindList, nestingLimit > 0 {
            let segment = message.segment(self.segment)
            let start = wordIndex(in: segment) &+ 1 &+ WirePointer.offset(word)
            let size = ElementSize(rawValue: WirePointer.listElementSize(word)) ?? .void
            if size == .composite {
                let wordCount = WirePointer.listElementCount(word)
                if start >= 0, start &+ 1 &+ wordCount <= segment.words {
                    let tagAddress = segment.base + start &* 8
                    let tag = UInt64(littleEndian: tagAddress.loadUnaligned(as: UInt64.self))
                    let count = WirePointer.offset(tag)
                    let dataWords = WirePointer.structDataWords(tag)
                    let pointerCount = WirePointer.structPointerCount(tag)
                    let perElement = dataWords &+ pointerCount
                    if WirePointer.kind(tag) == WirePointer.kindStruct, count >= 0, count &* perElement <= wordCount {
                        try message.charge(words: perElement == 0 ? count : wordCount)
                        let list = ListReader(
                            message: message,
                            segment: self.segment,
                            start: tagAddress + 8,
                            count: count,
                            stepBits: perElement &* 64,
                            structDataBits: dataWords &* 64,
                            structPointerCount: pointerCount,
                            elementSize: .composite,
                            nestingLimit: nestingLimit &- 1
                        )
                        if list.matches(expected) { return list }
                        try list.check(expected)
                    }
                }
            } else {
                let count = WirePointer.listElementCount(word)
                let bits = size.bitsPerElement
                let words = (count &* bits &+ 63) &>> 6
                if start >= 0, start &+ words <= segment.words {
                    try message.charge(words: bits == 0 ? count : words)
                    let list = ListReader(
                        message: message,
                        segment: self.segment,
                        start: segment.base + start &* 8,
                        count: count,
                        stepBits: bits,
                        structDataBits: size == .pointer ? 0 : bits,
                        structPointerCount: size == .pointer ? 1 : 0,
                        elementSize: size,
                        nestingLimit: nestingLimit &- 1
                    )
                    if list.matches(expected) { return list }
                    try list.check(expected)
                }
            }
        }
        return try readListGeneral(expecting: expected, default: defaultValue)
    }

    @usableFromInline
    func readListGeneral(expecting expected: ListExpectation, default defaultValue: ListReader?) throws -> ListReader {
        guard let target = try resolve() else { return defaultValue ?? .empty }
        guard WirePointer.kind(target.tag) == WirePointer.kindList else {
            throw CapnProtoError(.unexpectedPointerType, "expected a list pointer, found \(describe(target.tag))")
        }
        try checkNesting()
        let segment = message.segment(target.segment)
        let size = ElementSize(rawValue: WirePointer.listElementSize(target.tag)) ?? .void
        let list: ListReader
        if size == .composite {
            let wordCount = WirePointer.listElementCount(target.tag)
            guard target.word >= 0, target.word + 1 + wordCount <= segment.words else {
                throw CapnProtoError(.pointerOutOfBounds, "composite list leads outside segment \(target.segment)")
            }
            let tagAddress = segment.base + target.word * 8
            let tag = UInt64(littleEndian: tagAddress.loadUnaligned(as: UInt64.self))
            guard WirePointer.kind(tag) == WirePointer.kindStruct else {
                throw CapnProtoError(.invalidList, "composite list tag is not a struct pointer")
            }
            let count = WirePointer.offset(tag)
            let dataWords = WirePointer.structDataWords(tag)
            let pointerCount = WirePointer.structPointerCount(tag)
            let wordsPerElement = dataWords + pointerCount
            guard count >= 0, count * wordsPerElement <= wordCount else {
                throw CapnProtoError(.invalidList, "composite list elements overrun its word count")
            }
            // Empty elements would let a tiny list claim millions of entries: charge per element.
            try message.charge(words: wordsPerElement == 0 ? count : wordCount)
            list = ListReader(
                message: message,
                segment: target.segment,
                start: tagAddress + 8,
                count: count,
                stepBits: wordsPerElement * 64,
                structDataBits: dataWords * 64,
                structPointerCount: pointerCount,
                elementSize: .composite,
                nestingLimit: nestingLimit - 1
            )
        } else {
            let count = WirePointer.listElementCount(target.tag)
            let bits = size.bitsPerElement
            let words = (count * bits + 63) / 64
            guard target.word >= 0, target.word + words <= segment.words else {
                throw CapnProtoError(.pointerOutOfBounds, "list leads outside segment \(target.segment)")
            }
            try message.charge(words: bits == 0 ? count : words)
            list = ListReader(
                message: message,
                segment: target.segment,
                start: segment.base + target.word * 8,
                count: count,
                stepBits: bits,
                structDataBits: size == .pointer ? 0 : bits,
                structPointerCount: size == .pointer ? 1 : 0,
                elementSize: size,
                nestingLimit: nestingLimit - 1
            )
        }
        try list.check(expected)
        return list
    }

    /// Reads the pointer as text (a NUL-terminated byte list); null reads as `defaultValue`.
    public func readText(default defaultValue: String = "") throws -> String {
        guard let bytes = try textBytes() else { return defaultValue }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of a text blob without its NUL terminator, in place; `nil` for null.
    @inlinable @inline(__always)
    public func textBytes() throws -> UnsafeRawBufferPointer? {
        let word = self.word
        if WirePointer.kind(word) == WirePointer.kindList, WirePointer.listElementSize(word) == 2, nestingLimit > 0 {
            let segment = message.segment(self.segment)
            let start = wordIndex(in: segment) &+ 1 &+ WirePointer.offset(word)
            let count = WirePointer.listElementCount(word)
            let words = (count &+ 7) &>> 3
            if count > 0, start >= 0, start &+ words <= segment.words {
                let bytes = segment.base + start &* 8
                if bytes.load(fromByteOffset: count &- 1, as: UInt8.self) == 0 {
                    try message.charge(words: words)
                    return UnsafeRawBufferPointer(start: bytes, count: count &- 1)
                }
            }
        }
        return try textBytesGeneral()
    }

    @usableFromInline
    func textBytesGeneral() throws -> UnsafeRawBufferPointer? {
        if isNull { return nil }
        let list = try readListGeneral(expecting: .primitive(bytes: 1), default: nil)
        guard list.elementSize == .byte, list.count > 0,
            list.start.load(fromByteOffset: list.count - 1, as: UInt8.self) == 0
        else {
            throw CapnProtoError(.invalidText, "text is not a NUL-terminated byte list")
        }
        return UnsafeRawBufferPointer(start: list.start, count: list.count - 1)
    }

    /// Reads the pointer as data (a byte list); null reads as `defaultValue`.
    public func readData(default defaultValue: [UInt8] = []) throws -> [UInt8] {
        guard let bytes = try dataBytes() else { return defaultValue }
        return [UInt8](bytes)
    }

    /// The bytes of a data blob in place; `nil` for null.
    @inlinable @inline(__always)
    public func dataBytes() throws -> UnsafeRawBufferPointer? {
        let word = self.word
        if WirePointer.kind(word) == WirePointer.kindList, WirePointer.listElementSize(word) == 2, nestingLimit > 0 {
            let segment = message.segment(self.segment)
            let start = wordIndex(in: segment) &+ 1 &+ WirePointer.offset(word)
            let count = WirePointer.listElementCount(word)
            let words = (count &+ 7) &>> 3
            if start >= 0, start &+ words <= segment.words {
                try message.charge(words: words)
                return UnsafeRawBufferPointer(start: segment.base + start &* 8, count: count)
            }
        }
        return try dataBytesGeneral()
    }

    @usableFromInline
    func dataBytesGeneral() throws -> UnsafeRawBufferPointer? {
        if isNull { return nil }
        let list = try readListGeneral(expecting: .primitive(bytes: 1), default: nil)
        guard list.elementSize == .byte else {
            throw CapnProtoError(.invalidList, "data must be a list of bytes, found \(list.elementSize)")
        }
        return UnsafeRawBufferPointer(start: list.start, count: list.count)
    }

    /// The capability-table index the pointer holds; `nil` for null.
    public func readCapability() throws -> UInt32? {
        guard let target = try resolve() else { return nil }
        guard WirePointer.isCapability(target.tag) else {
            throw CapnProtoError(.unexpectedPointerType, "expected a capability pointer, found \(describe(target.tag))")
        }
        return WirePointer.capabilityIndex(target.tag)
    }

    func describe(_ tag: UInt64) -> String {
        switch WirePointer.kind(tag) {
        case WirePointer.kindStruct: "a struct pointer"
        case WirePointer.kindList: "a list pointer"
        case WirePointer.kindFar: "a far pointer"
        default: WirePointer.isCapability(tag) ? "a capability pointer" : "an unknown pointer kind"
        }
    }
}
