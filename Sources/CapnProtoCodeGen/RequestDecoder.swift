// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Reads a CodeGeneratorRequest (schema.capnp, file id 0xa93fc509624c72d9) into a
/// ``SchemaRequest``.
///
/// Works on untyped readers with the layout `capnp compile -ocapnp schema.capnp` reports
/// (offsets in units of the field's size), so the generator can read its own input before any
/// generated code exists.
public enum RequestDecoder {
    /// Decodes a framed (unpacked) CodeGeneratorRequest.
    public static func decode(frame: [UInt8]) throws -> SchemaRequest {
        // Requests for large schemas are big but trusted (they come from the capnp compiler).
        let options = ReaderOptions(traversalLimitWords: 1 << 30, nestingLimit: 128)
        let root = try Framing.decode(frame, options: options).root()
        var nodes: [UInt64: SchemaNode] = [:]
        let nodeList = try StructList<Raw>.read(from: root.pointer(0))
        for raw in nodeList {
            let node = try decodeNode(raw._reader)
            nodes[node.id] = node
        }
        var files: [SchemaRequest.RequestedFile] = []
        for raw in try StructList<Raw>.read(from: root.pointer(1)) {
            files.append(.init(id: raw._reader.read(UInt64.self, at: 0), filename: try raw._reader.readText(0)))
        }
        var docs: [UInt64: SchemaRequest.NodeDocs] = [:]
        for raw in try StructList<Raw>.read(from: root.pointer(3)) {
            let info = raw._reader
            let members = try StructList<Raw>.read(from: info.pointer(1)).map { try $0._reader.readText(0) }
            docs[info.read(UInt64.self, at: 0)] = .init(comment: try info.readText(0), members: members)
        }
        return SchemaRequest(nodes: nodes, requestedFiles: files, docs: docs)
    }

    /// A struct element with no typed accessors.
    struct Raw: StructReaderView {
        let _reader: StructReader
        init(_ reader: StructReader) { _reader = reader }
    }

    static func decodeNode(_ node: StructReader) throws -> SchemaNode {
        let nested = try StructList<Raw>.read(from: node.pointer(1)).map {
            (name: try $0._reader.readText(0), id: $0._reader.read(UInt64.self, at: 0))
        }
        let kind: SchemaNode.Kind
        switch node.read(UInt16.self, at: 6) {
        case 0: kind = .file
        case 1:
            var fields: [SchemaField] = []
            for (index, raw) in try StructList<Raw>.read(from: node.pointer(3)).enumerated() {
                fields.append(try decodeField(raw._reader, index: index))
            }
            kind = .structure(
                StructInfo(
                    dataWordCount: Int(node.read(UInt16.self, at: 7)),
                    pointerCount: Int(node.read(UInt16.self, at: 12)),
                    isGroup: node.readBool(bit: 224),
                    discriminantCount: Int(node.read(UInt16.self, at: 15)),
                    discriminantOffset: Int(node.read(UInt32.self, at: 8)),
                    fields: fields
                )
            )
        case 2:
            kind = .enumeration(
                try StructList<Raw>.read(from: node.pointer(3)).enumerated().map { index, raw in
                    SchemaEnumerant(
                        name: try raw._reader.readText(0),
                        codeOrder: Int(raw._reader.read(UInt16.self, at: 0)),
                        index: index
                    )
                }
            )
        case 3:
            kind = .interface(
                try StructList<Raw>.read(from: node.pointer(3)).enumerated().map { index, raw in
                    let method = raw._reader
                    return SchemaMethod(
                        name: try method.readText(0),
                        codeOrder: Int(method.read(UInt16.self, at: 0)),
                        index: index,
                        paramStructType: method.read(UInt64.self, at: 1),
                        resultStructType: method.read(UInt64.self, at: 2)
                    )
                }
            )
        case 4:
            kind = .constant(try decodeType(node.readStruct(3)), try decodeValue(node.readStruct(4)))
        default:
            kind = .annotation
        }
        return SchemaNode(
            id: node.read(UInt64.self, at: 0),
            displayName: try node.readText(0),
            displayNamePrefixLength: Int(node.read(UInt32.self, at: 2)),
            scopeId: node.read(UInt64.self, at: 2),
            nestedNodes: nested,
            kind: kind
        )
    }

    static func decodeField(_ field: StructReader, index: Int) throws -> SchemaField {
        let kind: SchemaField.Kind
        if field.read(UInt16.self, at: 4) == 1 {
            kind = .group(typeId: field.read(UInt64.self, at: 2))
        } else {
            kind = .slot(
                offset: Int(field.read(UInt32.self, at: 1)),
                type: try decodeType(field.readStruct(2)),
                defaultValue: try decodeValue(field.readStruct(3))
            )
        }
        return SchemaField(
            name: try field.readText(0),
            codeOrder: Int(field.read(UInt16.self, at: 0)),
            discriminantValue: field.read(UInt16.self, at: 1) ^ 0xFFFF,
            kind: kind,
            index: index
        )
    }

    static func decodeType(_ type: StructReader) throws -> SchemaType {
        switch type.read(UInt16.self, at: 0) {
        case 0: return .void
        case 1: return .bool
        case 2: return .int8
        case 3: return .int16
        case 4: return .int32
        case 5: return .int64
        case 6: return .uint8
        case 7: return .uint16
        case 8: return .uint32
        case 9: return .uint64
        case 10: return .float32
        case 11: return .float64
        case 12: return .text
        case 13: return .data
        case 14: return .list(try decodeType(type.readStruct(0)))
        case 15: return .enumeration(type.read(UInt64.self, at: 1))
        case 16: return .structure(type.read(UInt64.self, at: 1))
        case 17: return .interface(type.read(UInt64.self, at: 1))
        case 18: return .anyPointer
        case let other: throw CodeGenError(.malformedRequest, "unknown type tag \(other)")
        }
    }

    static func decodeValue(_ value: StructReader) throws -> SchemaValue {
        switch value.read(UInt16.self, at: 0) {
        case 0, 17: return .none
        case 1: return .bool(value.readBool(bit: 16))
        case 2, 6: return .bits(UInt64(value.read(UInt8.self, at: 2)))
        case 3, 7: return .bits(UInt64(value.read(UInt16.self, at: 1)))
        case 4, 8, 10: return .bits(UInt64(value.read(UInt32.self, at: 1)))
        case 5, 9, 11: return .bits(value.read(UInt64.self, at: 1))
        case 12: return value.isNull(0) ? .none : .text(try value.readText(0))
        case 13: return value.isNull(0) ? .none : .data(try value.readData(0))
        case 15: return .enumerant(value.read(UInt16.self, at: 1))
        default:
            if value.isNull(0) { return .none }
            let copy = MessageBuilder(firstSegmentWords: 256)
            try copy.rootPointer.set(value.pointer(0))
            let words = copy.segmentBytes().map { bytes in
                stride(from: 0, to: bytes.count, by: 8).map { at in
                    (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
                }
            }
            return .pointer(segments: words)
        }
    }
}
