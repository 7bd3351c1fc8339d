// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// How schema types map to Swift types and literals.
extension SwiftGenerator {
    /// The Swift type of a primitive, or nil for pointer types.
    func scalarType(_ type: SchemaType) -> String? {
        switch type {
        case .bool: "Bool"
        case .int8: "Int8"
        case .int16: "Int16"
        case .int32: "Int32"
        case .int64: "Int64"
        case .uint8: "UInt8"
        case .uint16: "UInt16"
        case .uint32: "UInt32"
        case .uint64: "UInt64"
        case .float32: "Float"
        case .float64: "Double"
        default: nil
        }
    }

    /// The type a reader getter returns.
    func readerType(_ type: SchemaType) throws -> String {
        if let scalar = scalarType(type) { return scalar }
        switch type {
        case .void: return "Void"
        case .text: return "String"
        case .data: return "[UInt8]"
        case .enumeration(let id): return try name(id)
        case .structure(let id): return try name(id) + ".Reader"
        case .interface, .anyPointer: return "AnyPointerReader"
        case .list(let element): return try listReaderType(element)
        default: return "Void"
        }
    }

    func listReaderType(_ element: SchemaType) throws -> String {
        if let scalar = scalarType(element) { return "ScalarList<\(scalar)>" }
        switch element {
        case .void: return "VoidList"
        case .enumeration(let id): return "EnumList<\(try name(id))>"
        case .structure(let id): return "StructList<\(try name(id)).Reader>"
        default: return "PointerList<\(try readerType(element))>"
        }
    }

    /// The builder view type for a list field and the expression that initializes one of
    /// `count` elements in `slot`.
    func listBuilder(_ element: SchemaType, slot: String) throws -> (type: String, initializer: String) {
        if let scalar = scalarType(element) {
            return (
                "ScalarListBuilder<\(scalar)>",
                "ScalarListBuilder(\(slot).initList(elementSize: \(scalar).elementSize, count: count))"
            )
        }
        switch element {
        case .void:
            return ("ListBuilder", "\(slot).initList(elementSize: .void, count: count)")
        case .enumeration(let id):
            return (
                "EnumListBuilder<\(try name(id))>",
                "EnumListBuilder(\(slot).initList(elementSize: .twoBytes, count: count))"
            )
        case .structure(let id):
            let type = try name(id)
            return (
                "StructListBuilder<\(type).Builder>",
                "StructListBuilder(\(slot).initStructList(count: count, dataWords: \(type).Builder.dataWordCount, pointerCount: \(type).Builder.pointerCount))"
            )
        default:
            return ("PointerListBuilder", "PointerListBuilder(\(slot).initList(elementSize: .pointer, count: count))")
        }
    }

    /// A Swift literal of a scalar type from its raw bits.
    func scalarLiteral(_ type: SchemaType, bits: UInt64) -> String {
        switch type {
        case .bool: bits != 0 ? "true" : "false"
        case .int8: "\(Int8(truncatingIfNeeded: bits))"
        case .int16: "\(Int16(truncatingIfNeeded: bits))"
        case .int32: "\(Int32(truncatingIfNeeded: bits))"
        case .int64: "\(Int64(bitPattern: bits))"
        case .uint8, .uint16, .uint32, .uint64: "\(bits)"
        case .float32: "Float(bitPattern: \(Namer.hex(bits)))"
        case .float64: "Double(bitPattern: \(Namer.hex(bits)))"
        default: "0"
        }
    }

    func bytesLiteral(_ bytes: [UInt8]) -> String {
        "[" + bytes.map { "0x" + String($0, radix: 16) }.joined(separator: ", ") + "]"
    }

    func embeddedLiteral(_ segments: [[UInt64]]) -> String {
        let inner = segments.map { "[" + $0.map(Namer.hex).joined(separator: ", ") + "]" }
        return "EmbeddedValue(segments: [" + inner.joined(separator: ", ") + "])"
    }
}
