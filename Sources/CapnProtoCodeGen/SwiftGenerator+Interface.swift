// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Interfaces: a typed `Client` over a Capability and a `Server` protocol with one method per
// schema method plus the dispatch that routes calls to them.
extension SwiftGenerator {
    /// Every interface `id` inherits from, nearest first, without repeats.
    func ancestors(of superclasses: [UInt64]) throws -> [UInt64] {
        var seen: [UInt64] = []
        var pending = superclasses
        while let next = pending.first {
            pending.removeFirst()
            guard !seen.contains(next) else { continue }
            seen.append(next)
            if case .interface(_, let parents) = try node(next).kind { pending += parents }
        }
        return seen
    }

    func declareClient(
        _ interface: String,
        _ methods: [SchemaMethod],
        superclasses: [UInt64],
        docs: [String],
        into out: inout CodePrinter
    ) throws {
        out.line("/// A typed handle on a capability implementing this interface.")
        try out.block("public struct Client: Sendable") { out in
            out.line("/// The capability calls go to.")
            out.line("public let capability: Capability")
            out.line("public init(_ capability: Capability) { self.capability = capability }")
            try clientMethods(interface, methods, docs: docs, into: &out)
            for ancestor in try ancestors(of: superclasses) {
                guard case .interface(let inherited, _) = try node(ancestor).kind else { continue }
                let parent = try name(ancestor)
                let parentDocs = self.docs(ancestor)?.members ?? []
                out.line()
                out.line("// Inherited from \(parent).")
                try clientMethods(
                    parent,
                    inherited.sorted { $0.codeOrder < $1.codeOrder },
                    docs: parentDocs,
                    into: &out
                )
            }
        }
    }

    private func clientMethods(
        _ interface: String,
        _ methods: [SchemaMethod],
        docs: [String],
        into out: inout CodePrinter
    )
        throws
    {
        for method in methods {
            let member = Namer.member(method.name)
            let params = try name(method.paramStructType)
            let results = try name(method.resultStructType)
            out.line()
            out.doc(docs.indices.contains(method.index) ? docs[method.index] : nil)
            out.line("/// Starts the call: `build` writes the parameters; the result can be pipelined on.")
            out.line(
                "public func \(member)(_ build: (\(params).Builder, RPCPayloadBuilder) throws -> Void) async -> PendingCall<\(results).Reader> {"
            )
            out.line(
                "    PendingCall(await capability.send(interfaceId: \(interface).interfaceID, methodId: \(method.index)) { try build($0.initContent(\(params).Builder.self), $0) })"
            )
            out.line("}")
            if let convenience = try convenienceArguments(method.paramStructType) {
                out.line("/// Makes the call and waits for its results.")
                let signature = convenience.map { "\($0.label): \($0.type)" }.joined(separator: ", ")
                out.block("public func \(member)(\(signature)) async throws -> Response<\(results).Reader>") { out in
                    if convenience.isEmpty {
                        out.line("try await self.\(member) { _, _ in }.response()")
                    } else {
                        out.line("try await self.\(member) { params, payload in")
                        for argument in convenience { out.line("    " + argument.assignment) }
                        out.line("}.response()")
                    }
                }
            }
        }
    }

    /// A parameter of a method's convenience form and how it is written into the params.
    struct ConvenienceArgument {
        var label: String
        var type: String
        var assignment: String
    }

    /// The arguments of a method's convenience form, or nil when a field cannot be passed as a
    /// plain value (AnyPointer, groups, nested lists).
    func convenienceArguments(_ paramStruct: UInt64) throws -> [ConvenienceArgument]? {
        guard case .structure(let info) = try node(paramStruct).kind else { return nil }
        var arguments: [ConvenienceArgument] = []
        for field in info.fields.sorted(by: { $0.codeOrder < $1.codeOrder }) {
            guard case .slot(_, let type, _) = field.kind, !field.isUnionMember else { return nil }
            let member = Namer.member(field.name)
            let label = member
            let value = member.hasPrefix("`") ? member : member
            let suffix = Namer.suffix(field.name)
            if let scalar = scalarType(type) {
                arguments.append(.init(label: label, type: scalar, assignment: "params.\(member) = \(value)"))
                continue
            }
            switch type {
            case .void:
                continue
            case .enumeration:
                arguments.append(
                    .init(label: label, type: try readerType(type), assignment: "params.\(member) = \(value)")
                )
            case .text:
                arguments.append(.init(label: label, type: "String", assignment: "params.\(member) = \(value)"))
            case .data:
                arguments.append(.init(label: label, type: "[UInt8]", assignment: "params.\(member) = \(value)"))
            case .structure(let id):
                arguments.append(
                    .init(label: label, type: "\(try name(id)).Reader", assignment: "try params.set\(suffix)(\(value))")
                )
            case .interface(let id):
                arguments.append(
                    .init(
                        label: label,
                        type: "\(try name(id)).Client?",
                        assignment: "payload.setCapability(\(value)?.capability, in: params.\(member))"
                    )
                )
            case .list(let element):
                if let scalar = scalarType(element) {
                    arguments.append(
                        .init(label: label, type: "[\(scalar)]", assignment: "params.set\(suffix)(\(value))")
                    )
                } else if case .text = element {
                    arguments.append(.init(label: label, type: "[String]", assignment: "params.set\(suffix)(\(value))"))
                } else if case .data = element {
                    arguments.append(
                        .init(label: label, type: "[[UInt8]]", assignment: "params.set\(suffix)(\(value))")
                    )
                } else if case .enumeration(let id) = element {
                    arguments.append(
                        .init(label: label, type: "[\(try name(id))]", assignment: "params.set\(suffix)(\(value))")
                    )
                } else {
                    return nil
                }
            default:
                return nil
            }
        }
        return arguments
    }

    func declareServer(
        _ interface: String,
        _ methods: [SchemaMethod],
        superclasses: [UInt64],
        docs: [String],
        into out: inout CodePrinter
    ) throws {
        let parents = try superclasses.map { try name($0) }
        let inherits = (parents.isEmpty ? ["CapabilityServer"] : parents.map { $0 + ".Server" })
        out.line("/// What an implementation provides: every method is required, so a misspelled one does not compile.")
        out.line("/// An implementation of only some methods adopts ``PartialServer`` instead.")
        try out.block("public protocol Server: \(inherits.joined(separator: ", "))") { out in
            for method in methods {
                out.doc(docs.indices.contains(method.index) ? docs[method.index] : nil)
                out.line(try serverSignature(method))
            }
        }
        out.line()
        out.line(
            "/// The opt-in for an implementation of only some methods: those it leaves out answer `unimplemented`."
        )
        let partialParents = ["Server"] + parents.map { $0 + ".PartialServer" }
        out.line("public protocol PartialServer: \(partialParents.joined(separator: ", ")) {}")
        out.line()
        out.line("/// A capability served by `server` in this process.")
        out.line("public static func client(_ server: some Server) -> Client { Client(Capability(server)) }")
        let ancestors = try ancestors(of: superclasses)
        if !methods.isEmpty {
            try trailer.printer.block("extension \(interface).PartialServer") { out in
                for method in methods {
                    try out.block("public " + serverSignature(method)) { out in
                        out.line("throw call.unimplemented()")
                    }
                }
            }
            trailer.printer.line()
        }
        try trailer.printer.block("extension \(interface).Server") { out in
            out.line("/// Routes a call on this interface to its method.")
            try out.block("public func _dispatch\(Namer.typeIdentifier(interface))(_ call: ServerCall) async throws") {
                out in
                try out.block("switch call.methodId") { out in
                    for method in methods {
                        let params = try name(method.paramStructType)
                        let results = try name(method.resultStructType)
                        out.line("case \(method.index):")
                        out.line(
                            "    try await self.\(Namer.member(method.name))(call.params.content(as: \(params).Reader.self), call.results.initContent(\(results).Builder.self), call)"
                        )
                    }
                    out.line("default:")
                    out.line("    throw call.unimplemented()")
                }
            }
            out.line()
            try out.block("public func dispatch(_ call: ServerCall) async throws") { out in
                try out.block("switch call.interfaceId") { out in
                    out.line(
                        "case \(interface).interfaceID: try await _dispatch\(Namer.typeIdentifier(interface))(call)"
                    )
                    for ancestor in ancestors {
                        let parent = try name(ancestor)
                        out.line("case \(parent).interfaceID: try await _dispatch\(Namer.typeIdentifier(parent))(call)")
                    }
                    out.line("default: throw call.unimplemented()")
                }
            }
        }
        trailer.printer.line()
    }

    private func serverSignature(_ method: SchemaMethod) throws -> String {
        let params = try name(method.paramStructType)
        let results = try name(method.resultStructType)
        return
            "func \(Namer.member(method.name))(_ params: \(params).Reader, _ results: \(results).Builder, _ call: ServerCall) async throws"
    }
}
