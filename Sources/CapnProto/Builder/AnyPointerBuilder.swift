// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A pointer slot in a message under construction.
///
/// Everything that writes a pointer goes through here: allocating the target, encoding the
/// relative offset, and falling back to a far (or double-far) pointer when the target had
/// to go into another segment.
public struct AnyPointerBuilder {
    public let message: MessageBuilder
    @usableFromInline let segment: Int
    @usableFromInline let address: UnsafeMutableRawPointer

    @usableFromInline
    init(message: MessageBuilder, segment: Int, address: UnsafeMutableRawPointer) {
        self.message = message
        self.segment = segment
        self.address = address
    }

    /// The raw pointer word.
    @inlinable public var word: UInt64 {
        get { UInt64(littleEndian: address.loadUnaligned(as: UInt64.self)) }
        nonmutating set { address.storeBytes(of: newValue.littleEndian, as: UInt64.self) }
    }

    /// Whether the slot is null.
    @inlinable public var isNull: Bool { word == 0 }

    /// Makes the slot null. The old target stays in the message as unreachable bytes.
    public func clear() { word = 0 }

    @inlinable
    var wordIndex: Int { (address - UnsafeMutableRawPointer(message.table[segment].base)) &>> 3 }

    /// Writes a pointer from this slot to content at `(target, targetWord)`; `tag` is the
    /// struct or list pointer word with a zero offset.
    @inlinable
    func point(toSegment target: Int, word targetWord: Int, tag: UInt64) {
        if target == segment {
            let near = tag | WirePointer.offsetBits(targetWord &- wordIndex &- 1)
            // A zero-sized struct right behind its pointer encodes as 0, which reads as null: point
            // it at the pointer itself (offset -1) instead, as C++ does for every empty struct.
            word = near != 0 ? near : tag | WirePointer.offsetBits(-1)
            return
        }
        pointFar(toSegment: target, word: targetWord, tag: tag)
    }

    @usableFromInline
    func pointFar(toSegment target: Int, word targetWord: Int, tag: UInt64) {
        let targetSegment = message.table[target]
        if targetSegment.capacity - targetSegment.used >= 1 {
            let pad = targetSegment.used
            message.table[target].used += 1
            (targetSegment.base + pad * 8).storeBytes(
                of: (tag | WirePointer.offsetBits(targetWord - pad - 1)).littleEndian,
                as: UInt64.self
            )
            word = WirePointer.makeFar(segment: target, padOffset: pad, double: false)
            return
        }
        // Not `preferring: segment`: that could put a root's landing pad in segment 0, and a
        // root far pointer into segment 0 is refused by `capnp decode` (and C++ never writes one).
        let pad = message.allocate(words: 2, preferring: target)
        let padAddress = message.address(pad.segment, pad.word)
        padAddress.storeBytes(
            of: WirePointer.makeFar(segment: target, padOffset: targetWord, double: false).littleEndian,
            as: UInt64.self
        )
        (padAddress + 8).storeBytes(of: tag.littleEndian, as: UInt64.self)
        word = WirePointer.makeFar(segment: pad.segment, padOffset: pad.word, double: true)
    }

    /// Allocates `words` for a new target and points this slot at it; the words are zeroed
    /// unless the caller says it writes them all itself.
    @inlinable
    func allocateTarget(
        words: Int,
        tag: UInt64,
        zeroed: Bool = true
    ) -> (segment: Int, address: UnsafeMutableRawPointer) {
        let place =
            zeroed
            ? message.allocate(words: words, preferring: segment) : message.reserve(words: words, preferring: segment)
        point(toSegment: place.segment, word: place.word, tag: tag)
        return (place.segment, message.address(place.segment, place.word))
    }

    /// Where an already written pointer leads (the builder only holds pointers it wrote).
    func resolve() -> (tag: UInt64, segment: Int, address: UnsafeMutableRawPointer)? {
        let word = self.word
        if word == 0 { return nil }
        switch WirePointer.kind(word) {
        case WirePointer.kindFar:
            let padSegment = WirePointer.farSegment(word)
            let pad = message.address(padSegment, WirePointer.farPadOffset(word))
            let first = UInt64(littleEndian: pad.loadUnaligned(as: UInt64.self))
            if WirePointer.farIsDouble(word) {
                let tag = UInt64(littleEndian: (pad + 8).loadUnaligned(as: UInt64.self))
                let contentSegment = WirePointer.farSegment(first)
                return (tag, contentSegment, message.address(contentSegment, WirePointer.farPadOffset(first)))
            }
            return AnyPointerBuilder(message: message, segment: padSegment, address: pad).resolve()
        case WirePointer.kindOther:
            return (word, segment, address)
        default:
            return (word, segment, address + 8 + WirePointer.offset(word) * 8)
        }
    }

    // MARK: - Structs

    /// Points the slot at a new zeroed struct.
    @inlinable
    public func initStruct(dataWords: Int, pointerCount: Int) -> StructBuilder {
        let tag = WirePointer.makeStruct(offset: 0, dataWords: dataWords, pointerCount: pointerCount)
        let target = allocateTarget(words: dataWords + pointerCount, tag: tag)
        return StructBuilder(
            message: message,
            segment: target.segment,
            data: target.address,
            dataWords: dataWords,
            pointers: target.address + dataWords * 8,
            pointerCount: pointerCount
        )
    }

    /// The struct the slot points at, created (from `defaultValue` if given) when null, and
    /// moved to a larger layout when it was written with a smaller one.
    public func getStruct(
        dataWords: Int,
        pointerCount: Int,
        default defaultValue: StructReader? = nil
    )
        -> StructBuilder
    {
        guard let target = resolve(), WirePointer.kind(target.tag) == WirePointer.kindStruct else {
            if let defaultValue, (try? setStruct(defaultValue)) != nil {
                return getStruct(dataWords: dataWords, pointerCount: pointerCount)
            }
            return initStruct(dataWords: dataWords, pointerCount: pointerCount)
        }
        let oldData = WirePointer.structDataWords(target.tag)
        let oldPointers = WirePointer.structPointerCount(target.tag)
        let existing = StructBuilder(
            message: message,
            segment: target.segment,
            data: target.address,
            dataWords: oldData,
            pointers: target.address + oldData * 8,
            pointerCount: oldPointers
        )
        if oldData >= dataWords && oldPointers >= pointerCount { return existing }
        let grown = initStruct(dataWords: max(oldData, dataWords), pointerCount: max(oldPointers, pointerCount))
        grown.data.copyMemory(from: existing.data, byteCount: oldData * 8)
        for index in 0..<oldPointers {
            grown.pointer(index).transfer(from: existing.pointer(index))
        }
        return grown
    }

    /// Re-points this slot at whatever `source` (another slot of the same message) points at.
    func transfer(from source: AnyPointerBuilder) {
        guard let target = source.resolve() else {
            word = 0
            return
        }
        if WirePointer.kind(target.tag) == WirePointer.kindOther {
            word = target.tag
        } else {
            let base = message.table[target.segment].base
            let offsetMask: UInt64 = 0xFFFF_FFFF_0000_0003
            point(toSegment: target.segment, word: (target.address - base) / 8, tag: target.tag & offsetMask)
        }
        source.word = 0
    }

    // MARK: - Lists

    /// Points the slot at a new zeroed list of primitives, bits or pointers.
    @inlinable
    public func initList(elementSize: ElementSize, count: Int) -> ListBuilder {
        let bits = elementSize.bitsPerElement
        let tag = WirePointer.makeList(offset: 0, size: elementSize, count: count)
        let target = allocateTarget(words: (count * bits + 63) / 64, tag: tag)
        return ListBuilder(
            message: message,
            segment: target.segment,
            start: target.address,
            count: count,
            stepBits: bits,
            structDataBits: elementSize == .pointer ? 0 : bits,
            structPointerCount: elementSize == .pointer ? 1 : 0,
            elementSize: elementSize
        )
    }

    /// Points the slot at a new zeroed list of structs.
    @inlinable
    public func initStructList(count: Int, dataWords: Int, pointerCount: Int) -> ListBuilder {
        let perElement = dataWords + pointerCount
        let tag = WirePointer.makeList(offset: 0, size: .composite, count: count * perElement)
        let target = allocateTarget(words: 1 + count * perElement, tag: tag)
        target.address.storeBytes(
            of: WirePointer.makeStruct(offset: count, dataWords: dataWords, pointerCount: pointerCount).littleEndian,
            as: UInt64.self
        )
        return ListBuilder(
            message: message,
            segment: target.segment,
            start: target.address + 8,
            count: count,
            stepBits: perElement * 64,
            structDataBits: dataWords * 64,
            structPointerCount: pointerCount,
            elementSize: .composite
        )
    }

    /// The list the slot points at, or `nil` when it is null or not a list.
    public func getList() -> ListBuilder? {
        guard let target = resolve(), WirePointer.kind(target.tag) == WirePointer.kindList else { return nil }
        guard let size = ElementSize(rawValue: WirePointer.listElementSize(target.tag)) else { return nil }
        if size == .composite {
            let tag = UInt64(littleEndian: target.address.loadUnaligned(as: UInt64.self))
            let dataWords = WirePointer.structDataWords(tag)
            let pointerCount = WirePointer.structPointerCount(tag)
            return ListBuilder(
                message: message,
                segment: target.segment,
                start: target.address + 8,
                count: WirePointer.offset(tag),
                stepBits: (dataWords + pointerCount) * 64,
                structDataBits: dataWords * 64,
                structPointerCount: pointerCount,
                elementSize: .composite
            )
        }
        let bits = size.bitsPerElement
        return ListBuilder(
            message: message,
            segment: target.segment,
            start: target.address,
            count: WirePointer.listElementCount(target.tag),
            stepBits: bits,
            structDataBits: size == .pointer ? 0 : bits,
            structPointerCount: size == .pointer ? 1 : 0,
            elementSize: size
        )
    }

    // MARK: - Blobs and capabilities

    /// Writes `text` (UTF-8, NUL-terminated on the wire).
    public func setText(_ text: String) {
        var text = text
        text.withUTF8 { setBytes(UnsafeRawBufferPointer($0), terminator: true) }
    }

    /// Writes `data` as a byte list.
    public func setData(_ data: some Collection<UInt8>) {
        let done: Void? = data.withContiguousStorageIfAvailable {
            setBytes(UnsafeRawBufferPointer($0), terminator: false)
        }
        if done == nil { [UInt8](data).withUnsafeBytes { setBytes($0, terminator: false) } }
    }

    public func setBytes(_ bytes: UnsafeRawBufferPointer, terminator: Bool) {
        let count = bytes.count + (terminator ? 1 : 0)
        let words = (count + 7) / 8
        // Not zeroed in advance: the bytes overwrite all but the last word's tail (padding and
        // the NUL), which is zeroed here.
        let target = allocateTarget(
            words: words,
            tag: WirePointer.makeList(offset: 0, size: .byte, count: count),
            zeroed: false
        )
        if words > 0 { target.address.storeBytes(of: 0, toByteOffset: (words - 1) * 8, as: UInt64.self) }
        if let source = bytes.baseAddress, !bytes.isEmpty {
            target.address.copyMemory(from: source, byteCount: bytes.count)
        }
    }

    /// The bytes of text or data written here, without a text's terminator.
    public func readBytes(isText: Bool) -> [UInt8]? {
        guard let list = getList(), list.elementSize == .byte else { return nil }
        let count = isText ? max(list.count - 1, 0) : list.count
        return [UInt8](UnsafeRawBufferPointer(start: list.start, count: count))
    }

    /// The text written here, or `defaultValue` when null.
    public func readText(default defaultValue: String = "") -> String {
        guard let bytes = readBytes(isText: true) else { return defaultValue }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stores a capability-table index.
    public func setCapability(_ index: UInt32) { word = WirePointer.makeCapability(index) }

    /// The capability-table index stored here, if any.
    public var capabilityIndex: UInt32? {
        guard let target = resolve(), WirePointer.isCapability(target.tag) else { return nil }
        return WirePointer.capabilityIndex(target.tag)
    }
}
