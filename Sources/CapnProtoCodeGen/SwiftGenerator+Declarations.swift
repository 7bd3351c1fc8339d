// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Enums, interfaces and constants.
extension SwiftGenerator {
    func declareEnum(_ node: SchemaNode, _ enumerants: [SchemaEnumerant], name: String, into out: inout CodePrinter) {
        let memberDocs = docs(node.id)?.members ?? []
        let ordered = enumerants.sorted { $0.codeOrder < $1.codeOrder }
        out.block("public enum \(name): CapnpEnum") { out in
            for enumerant in ordered {
                out.doc(memberDocs.indices.contains(enumerant.index) ? memberDocs[enumerant.index] : nil)
                out.line("case \(Namer.member(enumerant.name))")
            }
            out.line("/// A value from a newer schema.")
            out.line("case _unknown(UInt16)")
            out.line()
            out.line("public static let typeID: UInt64 = \(Namer.hex(node.id))")
            out.line()
            out.block("public init(rawValue: UInt16)") { out in
                out.block("switch rawValue") { out in
                    for enumerant in enumerants {
                        out.line("case \(enumerant.index): self = .\(Namer.member(enumerant.name))")
                    }
                    out.line("default: self = ._unknown(rawValue)")
                }
            }
            out.line()
            out.block("public var rawValue: UInt16") { out in
                out.block("switch self") { out in
                    for enumerant in enumerants {
                        out.line("case .\(Namer.member(enumerant.name)): \(enumerant.index)")
                    }
                    out.line("case ._unknown(let value): value")
                }
            }
        }
    }

    func declareInterface(
        _ node: SchemaNode,
        _ methods: [SchemaMethod],
        superclasses: [UInt64],
        name: String,
        into out: inout CodePrinter
    ) throws {
        let memberDocs = docs(node.id)?.members ?? []
        let ordered = methods.sorted { $0.codeOrder < $1.codeOrder }
        let qualified = try self.name(node.id)
        try out.block("public enum \(name)") { out in
            out.line("public static let interfaceID: UInt64 = \(Namer.hex(node.id))")
            out.line()
            out.line("/// Method ordinals.")
            out.block("public enum Methods") { out in
                for method in ordered {
                    out.doc(memberDocs.indices.contains(method.index) ? memberDocs[method.index] : nil)
                    out.line("public static let \(Namer.member(method.name)): UInt16 = \(method.index)")
                }
            }
            try declareChildren(of: node.id, into: &out)
            out.line()
            try declareClient(qualified, ordered, superclasses: superclasses, docs: memberDocs, into: &out)
            out.line()
            try declareServer(qualified, ordered, superclasses: superclasses, docs: memberDocs, into: &out)
        }
    }

    func declareConstant(
        _ node: SchemaNode,
        _ type: SchemaType,
        _ value: SchemaValue,
        topLevel: Bool,
        into out: inout CodePrinter
    ) throws {
        let member = Namer.member(node.shortName)
        let storage = topLevel ? "public" : "public static"
        let hidden = topLevel ? "" : "static "
        switch value {
        case .bits(let bits):
            if case .enumeration = type {
                out.line("\(storage) let \(member) = \(try readerType(type))(rawValue: \(bits))")
            } else {
                out.line("\(storage) let \(member): \(try readerType(type)) = \(scalarLiteral(type, bits: bits))")
            }
        case .bool(let flag):
            out.line("\(storage) let \(member): Bool = \(flag)")
        case .enumerant(let raw):
            out.line("\(storage) let \(member) = \(try readerType(type))(rawValue: \(raw))")
        case .text(let text):
            out.line("\(storage) let \(member): String = \(Namer.stringLiteral(text))")
        case .data(let bytes):
            out.line("\(storage) let \(member): [UInt8] = \(bytesLiteral(bytes))")
        case .pointer(let segments):
            let holder = "_const_\(node.shortName)"
            out.line("\(hidden)let \(holder) = \(embeddedLiteral(segments))")
            let swiftType = try readerType(type)
            switch type {
            case .structure:
                out.line("\(storage) var \(member): \(swiftType) { \(swiftType)(\(holder).structValue) }")
            case .list:
                out.line(
                    "\(storage) var \(member): \(swiftType) { \(swiftType)(\(holder).list(expecting: \(swiftType).expectation)) }"
                )
            default:
                out.line("\(storage) var \(member): AnyPointerReader { \(holder).pointer }")
            }
        case .none:
            if case .text = type {
                out.line("\(storage) let \(member): String = \"\"")
            }
        }
    }
}
