// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Structs and groups: a namespace with `Reader`, `Builder` and, for unions, `Which`.
extension SwiftGenerator {
    /// What the generator needs to know about one field while printing accessors.
    struct FieldContext {
        var field: SchemaField
        var member: String
        var suffix: String
        /// Statement that selects this union arm, or "" outside unions.
        var select: String
        var owner: String
    }

    func declareStruct(_ node: SchemaNode, _ info: StructInfo, name: String, into out: inout CodePrinter) throws {
        let qualified = try self.name(node.id)
        let fields = info.fields.sorted { $0.codeOrder < $1.codeOrder }
        let memberDocs = docs(node.id)?.members ?? []
        let contexts = fields.map { field in
            FieldContext(
                field: field,
                member: Namer.member(field.name),
                suffix: Namer.suffix(field.name),
                select: field.isUnionMember
                    ? "_builder.write(UInt16(\(field.discriminantValue)), at: \(info.discriminantOffset))" : "",
                owner: qualified
            )
        }
        try out.block("public enum \(name)") { out in
            out.line("public static let typeID: UInt64 = \(Namer.hex(node.id))")
            out.line("public static let dataWordCount = \(info.dataWordCount)")
            out.line("public static let pointerCount = \(info.pointerCount)")
            for context in contexts {
                if case .slot(_, _, .pointer(let segments)) = context.field.kind {
                    out.line(
                        "@usableFromInline static let _default_\(context.field.name) = \(embeddedLiteral(segments))"
                    )
                }
            }
            try declareChildren(of: node.id, into: &out)
            out.line()
            out.inlinable = true
            defer { out.inlinable = false }
            try out.block("public struct Reader: StructReaderView") { out in
                out.line("public let _reader: StructReader")
                out.line("public init(_ reader: StructReader) { _reader = reader }")
                out.alwaysInline = true
                for context in contexts {
                    try readerAccessors(context, docs: memberDocs, into: &out)
                }
                out.alwaysInline = false
                if info.discriminantCount > 0 {
                    out.line()
                    out.line(
                        "/// The discriminant of the union arm that is set (cheaper than `which`, which reads its value)."
                    )
                    out.line(
                        "public var _discriminant: UInt16 { _reader.read(UInt16.self, at: \(info.discriminantOffset)) }"
                    )
                    try whichGetter(contexts, offset: info.discriminantOffset, into: &out)
                }
            }
            out.line()
            try out.block("public struct Builder: StructBuilderView") { out in
                out.line("public let _builder: StructBuilder")
                out.line("public init(_ builder: StructBuilder) { _builder = builder }")
                out.line("public static var dataWordCount: Int { \(info.dataWordCount) }")
                out.line("public static var pointerCount: Int { \(info.pointerCount) }")
                if info.discriminantCount > 0 {
                    out.line("/// The union arm last selected (its discriminant).")
                    out.line(
                        "public var _discriminant: UInt16 { _builder.read(UInt16.self, at: \(info.discriminantOffset)) }"
                    )
                }
                for context in contexts {
                    try builderAccessors(context, docs: memberDocs, into: &out)
                }
            }
            if info.discriminantCount > 0 {
                out.line()
                try whichEnum(contexts, into: &out)
            }
        }
    }

    func isThrowingRead(_ field: SchemaField) -> Bool {
        guard case .slot(_, let type, _) = field.kind else { return false }
        switch type {
        case .text, .data, .structure, .list: return true
        default: return false
        }
    }

    private func readerAccessors(_ context: FieldContext, docs: [String], into out: inout CodePrinter) throws {
        let field = context.field
        let member = context.member
        switch field.kind {
        case .group(let typeId):
            out.doc(docs.indices.contains(field.index) ? docs[field.index] : nil)
            let type = try name(typeId)
            out.line("public var \(member): \(type).Reader { \(type).Reader(_reader) }")
        case .slot(let offset, let type, let defaultValue):
            if case .void = type { return }
            out.doc(docs.indices.contains(field.index) ? docs[field.index] : nil)
            let swiftType = try readerType(type)
            let body: String
            switch type {
            case .bool:
                let flip = if case .bool(true) = defaultValue { "!" } else { "" }
                body = "\(flip)_reader.readBool(bit: \(offset))"
            case .float32:
                body = "_reader.readFloat32(at: \(offset)\(defaultBitsArgument(defaultValue)))"
            case .float64:
                body = "_reader.readFloat64(at: \(offset)\(defaultBitsArgument(defaultValue)))"
            case .enumeration:
                body = "\(swiftType)(rawValue: _reader.read(UInt16.self, at: \(offset))\(xor(type, defaultValue)))"
            case .text:
                let fallback =
                    if case .text(let text) = defaultValue { ", default: \(Namer.stringLiteral(text))" } else { "" }
                body = "try _reader.readText(\(offset)\(fallback))"
            case .data:
                let fallback =
                    if case .data(let bytes) = defaultValue { ", default: \(bytesLiteral(bytes))" } else { "" }
                body = "try _reader.readData(\(offset)\(fallback))"
            case .structure(let id):
                let fallback =
                    hasPointerDefault(defaultValue)
                    ? ", default: \(context.owner)._default_\(field.name).structValue" : ""
                body = "\(try name(id)).Reader(try _reader.readStruct(\(offset)\(fallback)))"
            case .list:
                let fallback =
                    hasPointerDefault(defaultValue)
                    ? ", default: \(context.owner)._default_\(field.name).list(expecting: \(swiftType).expectation)"
                    : ""
                body = "\(swiftType)(try _reader.readList(\(offset), expecting: \(swiftType).expectation\(fallback)))"
            case .interface, .anyPointer:
                body = "_reader.pointer(\(offset))"
            default:
                body = "_reader.read(\(swiftType).self, at: \(offset))\(xor(type, defaultValue))"
            }
            let getter = isThrowingRead(field) ? "get throws { \(body) }" : body
            out.line("public var \(member): \(swiftType) { \(getter) }")
            if type.isPointer {
                out.line("public var has\(context.suffix): Bool { !_reader.isNull(\(offset)) }")
            }
            if case .interface(let id) = type {
                let client = try name(id) + ".Client"
                out.line(
                    "/// The capability `\(field.name)` names in `payload`'s table (the payload this struct came in); nil when null."
                )
                out.line(
                    "public func \(member)(in payload: RPCPayload) throws -> \(client)? { try payload.optionalCapability(\(member)).map(\(client).init) }"
                )
            }
            // A zero-copy view for blobs without a schema default (a view of null is empty).
            if case .none = defaultValue {
                switch type {
                case .text:
                    out.line(
                        "public var \(Namer.member(field.name + "View")): BlobView { get throws { try _reader.pointer(\(offset)).textView() } }"
                    )
                case .data:
                    out.line(
                        "public var \(Namer.member(field.name + "View")): BlobView { get throws { try _reader.pointer(\(offset)).dataView() } }"
                    )
                default:
                    break
                }
            }
        }
    }

    private func builderAccessors(_ context: FieldContext, docs: [String], into out: inout CodePrinter) throws {
        let field = context.field
        let member = context.member
        let select = context.select
        let prefix = select.isEmpty ? "" : select + "; "
        out.doc(docs.indices.contains(field.index) ? docs[field.index] : nil)
        switch field.kind {
        case .group(let typeId):
            let type = try name(typeId)
            out.line("public var \(member): \(type).Builder { \(type).Builder(_builder) }")
            if !select.isEmpty {
                // Selecting a group arm zeroes its fields, which share space with other arms.
                try out.block("public func init\(context.suffix)() -> \(type).Builder") { out in
                    out.line(select)
                    for statement in try clearStatements(group: typeId) { out.line(statement) }
                    out.line("return \(type).Builder(_builder)")
                }
            }
        case .slot(let offset, let type, let defaultValue):
            let slot = "_builder.pointer(\(offset))"
            switch type {
            case .void:
                if !select.isEmpty { out.line("public func set\(context.suffix)() { \(select) }") }
            case .bool:
                let flip = if case .bool(true) = defaultValue { "!" } else { "" }
                out.line(
                    "public var \(member): Bool { get { \(flip)_builder.readBool(bit: \(offset)) } "
                        + "nonmutating set { \(prefix)_builder.writeBool(\(flip)newValue, bit: \(offset)) } }"
                )
            case .float32, .float64:
                let width = if case .float32 = type { "32" } else { "64" }
                let swiftType = try readerType(type)
                let bits = defaultBitsArgument(defaultValue)
                out.line(
                    "public var \(member): \(swiftType) { get { _builder.readFloat\(width)(at: \(offset)\(bits)) } "
                        + "nonmutating set { \(prefix)_builder.writeFloat\(width)(newValue, at: \(offset)\(bits)) } }"
                )
            case .enumeration:
                let swiftType = try readerType(type)
                let xorDefault = xor(type, defaultValue)
                out.line(
                    "public var \(member): \(swiftType) { get { \(swiftType)(rawValue: _builder.read(UInt16.self, at: \(offset))\(xorDefault)) } "
                        + "nonmutating set { \(prefix)_builder.write(newValue.rawValue\(xorDefault), at: \(offset)) } }"
                )
            case .text:
                let fallback =
                    if case .text(let text) = defaultValue { "default: \(Namer.stringLiteral(text))" } else { "" }
                out.line(
                    "public var \(member): String { get { \(slot).readText(\(fallback)) } "
                        + "nonmutating set { \(prefix)\(slot).setText(newValue) } }"
                )
            case .data:
                let fallback = if case .data(let bytes) = defaultValue { bytesLiteral(bytes) } else { "[]" }
                out.line(
                    "public var \(member): [UInt8] { get { \(slot).readBytes(isText: false) ?? \(fallback) } "
                        + "nonmutating set { \(prefix)\(slot).setData(newValue) } }"
                )
            case .structure(let id):
                let target = try name(id)
                // The builder's computed sizes, not the enum's stored ones: those are globals, which
                // inlined code in another module would reach through an accessor call.
                let sizes = "dataWords: \(target).Builder.dataWordCount, pointerCount: \(target).Builder.pointerCount"
                let fallback =
                    hasPointerDefault(defaultValue)
                    ? ", default: \(context.owner)._default_\(field.name).structValue" : ""
                out.line(
                    "public var \(member): \(target).Builder { \(prefix)return \(target).Builder(\(slot).getStruct(\(sizes)\(fallback))) }"
                )
                out.line(
                    "public func init\(context.suffix)() -> \(target).Builder { \(prefix)return \(target).Builder(\(slot).initStruct(\(sizes))) }"
                )
                out.line(
                    "public func set\(context.suffix)(_ value: \(target).Reader) throws { \(prefix)try \(slot).setStruct(value._reader) }"
                )
            case .list(let element):
                let builder = try listBuilder(element, slot: slot)
                out.line(
                    "public func init\(context.suffix)(count: Int) -> \(builder.type) { \(prefix)return \(builder.initializer) }"
                )
                out.line(
                    "public func set\(context.suffix)(_ value: \(try readerType(type))) throws { \(prefix)try \(slot).setList(value._list) }"
                )
                if let convenience = try listConvenience(element) {
                    out.line(
                        "public func set\(context.suffix)(_ values: [\(convenience.element)]) { \(prefix)\(slot).\(convenience.setter)(values) }"
                    )
                }
            case .interface, .anyPointer:
                out.line("public var \(member): AnyPointerBuilder { \(prefix)return \(slot) }")
            default:
                let swiftType = try readerType(type)
                let xorDefault = xor(type, defaultValue)
                out.line(
                    "public var \(member): \(swiftType) { get { _builder.read(\(swiftType).self, at: \(offset))\(xorDefault) } "
                        + "nonmutating set { \(prefix)_builder.write(newValue\(xorDefault), at: \(offset)) } }"
                )
            }
            if type.isPointer {
                out.line("public var has\(context.suffix): Bool { !\(slot).isNull }")
            }
        }
    }

    /// Statements that reset every field of group `typeId` (and of groups nested in it) to its
    /// default: zero bits, null pointers, the first arm of any union.
    private func clearStatements(group typeId: UInt64) throws -> [String] {
        guard case .structure(let info) = try node(typeId).kind else { return [] }
        var statements: [String] = []
        if info.discriminantCount > 0 {
            statements.append("_builder.write(UInt16(0), at: \(info.discriminantOffset))")
        }
        for field in info.fields.sorted(by: { $0.codeOrder < $1.codeOrder }) {
            switch field.kind {
            case .group(let nested):
                statements += try clearStatements(group: nested)
            case .slot(let offset, let type, _):
                switch type {
                case .void: break
                case .bool: statements.append("_builder.writeBool(false, bit: \(offset))")
                case .int8, .uint8: statements.append("_builder.write(UInt8(0), at: \(offset))")
                case .int16, .uint16, .enumeration: statements.append("_builder.write(UInt16(0), at: \(offset))")
                case .int32, .uint32, .float32: statements.append("_builder.write(UInt32(0), at: \(offset))")
                case .int64, .uint64, .float64: statements.append("_builder.write(UInt64(0), at: \(offset))")
                default: statements.append("_builder.pointer(\(offset)).clear()")
                }
            }
        }
        return statements
    }

    private func listConvenience(_ element: SchemaType) throws -> (element: String, setter: String)? {
        if let scalar = scalarType(element) { return (scalar, "setScalars") }
        switch element {
        case .enumeration(let id): return (try name(id), "setEnums")
        case .text: return ("String", "setTexts")
        case .data: return ("[UInt8]", "setDatas")
        default: return nil
        }
    }

    private func whichGetter(_ contexts: [FieldContext], offset: Int, into out: inout CodePrinter) throws {
        out.line("/// Which union arm is set, with its value.")
        out.block("public var which: Which") { out in
            out.block("get throws") { out in
                out.block("switch _reader.read(UInt16.self, at: \(offset))") { out in
                    for context in contexts where context.field.isUnionMember {
                        out.line("case \(context.field.discriminantValue):")
                        if case .slot(_, .void, _) = context.field.kind {
                            out.line("    return .\(context.member)")
                        } else {
                            let read =
                                isThrowingRead(context.field) ? "try self.\(context.member)" : "self.\(context.member)"
                            out.line("    return .\(context.member)(\(read))")
                        }
                    }
                    out.line("case let other:")
                    out.line("    return ._unknown(other)")
                }
            }
        }
    }

    private func whichEnum(_ contexts: [FieldContext], into out: inout CodePrinter) throws {
        out.line("/// The arms of the union, as read.")
        try out.block("public enum Which: Sendable") { out in
            for context in contexts where context.field.isUnionMember {
                switch context.field.kind {
                case .slot(_, .void, _): out.line("case \(context.member)")
                case .slot(_, let type, _): out.line("case \(context.member)(\(try readerType(type)))")
                case .group(let typeId): out.line("case \(context.member)(\(try name(typeId)).Reader)")
                }
            }
            out.line("/// A discriminant from a newer schema.")
            out.line("case _unknown(UInt16)")
        }
    }

    func hasPointerDefault(_ value: SchemaValue) -> Bool {
        if case .pointer = value { return true }
        return false
    }

    func xor(_ type: SchemaType, _ value: SchemaValue) -> String {
        switch value {
        case .bits(let bits) where bits != 0: " ^ \(scalarLiteral(type, bits: bits))"
        case .enumerant(let raw) where raw != 0: " ^ \(raw)"
        default: ""
        }
    }

    func defaultBitsArgument(_ value: SchemaValue) -> String {
        if case .bits(let bits) = value, bits != 0 { return ", defaultBits: \(Namer.hex(bits))" }
        return ""
    }
}
