// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Reads a CodeGeneratorRequest (schema.capnp, file id 0xa93fc509624c72d9) into a
/// ``SchemaRequest``.
///
/// The generator is self-hosting: the request is read through the bindings it generated for
/// `schema/capnp-schema.capnp` (`Generated/capnp-schema.capnp.swift`). scripts/generate.sh
/// regenerates those bindings with the generator that uses them; the committed file must come
/// out unchanged.
public enum RequestDecoder {
    /// Decodes a framed (unpacked) CodeGeneratorRequest.
    public static func decode(frame: [UInt8]) throws -> SchemaRequest {
        // Requests for large schemas are big but trusted (they come from the capnp compiler).
        let options = ReaderOptions(traversalLimitWords: 1 << 30, nestingLimit: 128)
        let request = try Framing.decode(frame, options: options).root(as: CodeGeneratorRequest.Reader.self)
        var nodes: [UInt64: SchemaNode] = [:]
        for node in try request.nodes {
            let decoded = try decodeNode(node)
            nodes[decoded.id] = decoded
        }
        let files = try request.requestedFiles.map { file in
            SchemaRequest.RequestedFile(id: file.id, filename: try file.filename)
        }
        var docs: [UInt64: SchemaRequest.NodeDocs] = [:]
        for info in try request.sourceInfo {
            let members = try info.members.map { try $0.docComment }
            docs[info.id] = SchemaRequest.NodeDocs(comment: try info.docComment, members: members)
        }
        return SchemaRequest(nodes: nodes, requestedFiles: files, docs: docs)
    }

    static func decodeNode(_ node: Node.Reader) throws -> SchemaNode {
        let nested = try node.nestedNodes.map { (name: try $0.name, id: $0.id) }
        let kind: SchemaNode.Kind
        switch try node.which {
        case .file:
            kind = .file
        case .struct(let info):
            kind = .structure(
                StructInfo(
                    dataWordCount: Int(info.dataWordCount),
                    pointerCount: Int(info.pointerCount),
                    isGroup: info.isGroup,
                    discriminantCount: Int(info.discriminantCount),
                    discriminantOffset: Int(info.discriminantOffset),
                    fields: try info.fields.enumerated().map { index, field in try decodeField(field, index: index) }
                )
            )
        case .enum(let info):
            kind = .enumeration(
                try info.enumerants.enumerated().map { index, enumerant in
                    SchemaEnumerant(name: try enumerant.name, codeOrder: Int(enumerant.codeOrder), index: index)
                }
            )
        case .interface(let info):
            kind = .interface(
                try info.methods.enumerated().map { index, method in
                    SchemaMethod(
                        name: try method.name,
                        codeOrder: Int(method.codeOrder),
                        index: index,
                        paramStructType: method.paramStructType,
                        resultStructType: method.resultStructType
                    )
                },
                superclasses: try info.superclasses.map(\.id)
            )
        case .const(let info):
            kind = .constant(try decodeType(info.type), try decodeValue(info.value))
        case .annotation, ._unknown:
            kind = .annotation
        }
        return SchemaNode(
            id: node.id,
            displayName: try node.displayName,
            displayNamePrefixLength: Int(node.displayNamePrefixLength),
            scopeId: node.scopeId,
            nestedNodes: nested,
            kind: kind
        )
    }

    static func decodeField(_ field: Field.Reader, index: Int) throws -> SchemaField {
        let kind: SchemaField.Kind
        switch try field.which {
        case .group(let group):
            kind = .group(typeId: group.typeId)
        case .slot(let slot):
            kind = .slot(
                offset: Int(slot.offset),
                type: try decodeType(slot.type),
                defaultValue: try decodeValue(slot.defaultValue)
            )
        case ._unknown(let other):
            throw CodeGenError(.malformedRequest, "field \(try field.name) has unknown kind \(other)")
        }
        return SchemaField(
            name: try field.name,
            codeOrder: Int(field.codeOrder),
            discriminantValue: field.discriminantValue,
            kind: kind,
            index: index
        )
    }

    static func decodeType(_ type: Type_.Reader) throws -> SchemaType {
        switch try type.which {
        case .void: .void
        case .bool: .bool
        case .int8: .int8
        case .int16: .int16
        case .int32: .int32
        case .int64: .int64
        case .uint8: .uint8
        case .uint16: .uint16
        case .uint32: .uint32
        case .uint64: .uint64
        case .float32: .float32
        case .float64: .float64
        case .text: .text
        case .data: .data
        case .list(let list): .list(try decodeType(list.elementType))
        case .enum(let info): .enumeration(info.typeId)
        case .struct(let info): .structure(info.typeId)
        case .interface(let info): .interface(info.typeId)
        case .anyPointer: .anyPointer
        case ._unknown(let other): throw CodeGenError(.malformedRequest, "unknown type tag \(other)")
        }
    }

    static func decodeValue(_ value: Value.Reader) throws -> SchemaValue {
        switch try value.which {
        case .void, .interface: return .none
        case .bool(let bool): return .bool(bool)
        case .int8(let int): return .bits(UInt64(UInt8(bitPattern: int)))
        case .int16(let int): return .bits(UInt64(UInt16(bitPattern: int)))
        case .int32(let int): return .bits(UInt64(UInt32(bitPattern: int)))
        case .int64(let int): return .bits(UInt64(bitPattern: int))
        case .uint8(let uint): return .bits(UInt64(uint))
        case .uint16(let uint): return .bits(UInt64(uint))
        case .uint32(let uint): return .bits(UInt64(uint))
        case .uint64(let uint): return .bits(uint)
        case .float32(let float): return .bits(UInt64(float.bitPattern))
        case .float64(let double): return .bits(double.bitPattern)
        case .text(let text): return value.hasText ? .text(text) : .none
        case .data(let data): return value.hasData ? .data(data) : .none
        case .enum(let raw): return .enumerant(raw)
        case .list(let pointer), .struct(let pointer), .anyPointer(let pointer): return try embedded(pointer)
        case ._unknown: return try embedded(value._reader.pointer(0))
        }
    }

    /// A pointer default or constant, copied into a message of its own and kept as its words.
    static func embedded(_ pointer: AnyPointerReader) throws -> SchemaValue {
        if pointer.isNull { return .none }
        let copy = MessageBuilder(firstSegmentWords: 256)
        try copy.rootPointer.set(pointer)
        let words = copy.segmentBytes().map { bytes in
            stride(from: 0, to: bytes.count, by: 8).map { at in
                (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
            }
        }
        return .pointer(segments: words)
    }
}
