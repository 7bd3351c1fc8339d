// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Deep copies from a received message into one under construction. The reader side does all
// validation (bounds, traversal and nesting limits), so a hostile source cannot make the copy
// run away; capability pointers keep their table index.
extension AnyPointerBuilder {
    /// Copies whatever `source` points at (struct, list, blob or capability) into this slot.
    public func set(_ source: AnyPointerReader) throws {
        guard let target = try source.resolve() else {
            word = 0
            return
        }
        switch WirePointer.kind(target.tag) {
        case WirePointer.kindStruct:
            try setStruct(try source.readStruct())
        case WirePointer.kindList:
            try setList(try source.readList(expecting: .void))
        default:
            guard let index = try source.readCapability() else {
                word = 0
                return
            }
            setCapability(index)
        }
    }

    /// Copies a struct and everything it points to into this slot.
    public func setStruct(_ source: StructReader) throws {
        let copy = initStruct(dataWords: source.dataWordCount, pointerCount: source.pointerCount)
        copy.data.copyMemory(from: source.data, byteCount: (source.dataBits + 7) / 8)
        for index in 0..<source.pointerCount {
            try copy.pointer(index).set(source.pointer(index))
        }
    }

    /// Copies a list and everything its elements point to into this slot.
    public func setList(_ source: ListReader) throws {
        switch source.elementSize {
        case .composite:
            let dataWords = source.structDataBits / 64
            let copy = initStructList(
                count: source.count,
                dataWords: dataWords,
                pointerCount: source.structPointerCount
            )
            for index in 0..<source.count {
                let from = source.structElement(index)
                let to = copy.structElement(index)
                to.data.copyMemory(from: from.data, byteCount: dataWords * 8)
                for pointer in 0..<source.structPointerCount {
                    try to.pointer(pointer).set(from.pointer(pointer))
                }
            }
        case .pointer:
            let copy = initList(elementSize: .pointer, count: source.count)
            for index in 0..<source.count {
                try copy.pointerElement(index).set(source.pointerElement(index))
            }
        default:
            let copy = initList(elementSize: source.elementSize, count: source.count)
            let bytes = (source.count * source.stepBits + 7) / 8
            if bytes > 0 { copy.start.copyMemory(from: source.start, byteCount: bytes) }
        }
    }
}
