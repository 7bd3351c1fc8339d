// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto

// Capability tables: turning capabilities into CapDescriptors and back.
extension RPCConnection {
    /// Writes the payload's capability table, exporting what the peer cannot reach otherwise.
    /// Returns the exports whose counts went up.
    func writeCapTable(_ payload: RPCPayloadBuilder) -> [UInt32] {
        let capabilities = payload.capabilities
        guard !capabilities.isEmpty else { return [] }
        let table = payload.payload.initCapTable(count: capabilities.count)
        var exported: [UInt32] = []
        for (index, capability) in capabilities.enumerated() {
            if let id = describe(capability, into: table[index]) { exported.append(id) }
        }
        return exported
    }

    /// Fills one descriptor; returns the export id if one was counted.
    func describe(_ capability: Capability?, into descriptor: CapDescriptor.Builder) -> UInt32? {
        guard let capability else {
            descriptor.setNone()
            return nil
        }
        switch capability.target {
        case .imported(let ref) where ref.connection === self && imports[ref.id]?.resolution == nil:
            descriptor.receiverHosted = ref.id
            return nil
        case .pipelined(let question, let path) where question.connection === self:
            if let result = question.result.current {
                if case .success(let payload) = result {
                    return describe(payload.capability(at: path), into: descriptor)
                }
            } else if questions[question.id] != nil {
                let answer = descriptor.initReceiverAnswer()
                answer.questionId = question.id
                writeTransform(path, to: answer)
                return nil
            }
        default:
            break
        }
        let key = ObjectIdentifier(capability)
        let id: UInt32
        if let existing = exportByCapability[key] {
            id = existing
            exports[id]?.referenceCount += 1
        } else {
            id = exportIds.allocate()
            exports[id] = ExportEntry(capability: capability, referenceCount: 1)
            exportByCapability[key] = id
        }
        descriptor.senderHosted = id
        return id
    }

    /// Reads a received payload's capability table.
    func readPayload(_ payload: Payload.Reader, importing: Bool = true) throws -> RPCPayload {
        var capabilities: [Capability?] = []
        for descriptor in try payload.capTable {
            capabilities.append(try capability(for: descriptor, importing: importing))
        }
        return RPCPayload(content: payload.content, capabilities: capabilities)
    }

    func capability(for descriptor: CapDescriptor.Reader, importing: Bool) throws -> Capability? {
        switch try descriptor.which {
        case .none:
            return nil
        case .senderHosted(let id), .senderPromise(let id):
            return importing ? importCapability(id) : nil
        case .receiverHosted(let id):
            guard let entry = exports[id] else {
                return .broken(RPCError(.failed, "the peer named export \(id), which does not exist"))
            }
            return entry.capability
        case .receiverAnswer(let promised):
            return answerCapability(promised.questionId, path: try readTransform(promised))
        case .thirdPartyHosted(let thirdParty):
            // Level 3 is not supported: use the vine the sender provides instead.
            return importing ? importCapability(thirdParty.vineId) : nil
        case ._unknown(let tag):
            return .broken(RPCError(.unimplemented, "unknown capability descriptor \(tag)"))
        }
    }

    func importCapability(_ id: UInt32) -> Capability {
        if var entry = imports[id] {
            entry.received += 1
            if let ref = entry.ref {
                imports[id] = entry
                return Capability(target: .imported(ref))
            }
            let ref = ImportRef(connection: self, id: id)
            entry.ref = ref
            imports[id] = entry
            return Capability(target: .imported(ref))
        }
        let ref = ImportRef(connection: self, id: id)
        imports[id] = ImportEntry(ref: ref, received: 1)
        return Capability(target: .imported(ref))
    }

    /// The capability at `path` in the results of answer `id`, as a promise until it returns.
    func answerCapability(_ id: UInt32, path: [UInt16]) -> Capability {
        guard let entry = answers[id] else {
            return .broken(RPCError(.failed, "the peer named answer \(id), which does not exist"))
        }
        if let result = entry.result.current {
            switch result {
            case .success(let payload): return payload.capability(at: path)
            case .failure(let error): return .broken(error)
            }
        }
        let promise = PromiseCell<Capability>()
        let result = entry.result
        Task {
            switch await result.wait() {
            case .success(let payload): promise.resolve(payload.capability(at: path))
            case .failure(let error): promise.resolve(.broken(error))
            }
        }
        return Capability(target: .promise(promise))
    }

    func readTransform(_ promised: PromisedAnswer.Reader) throws -> [UInt16] {
        var path: [UInt16] = []
        for op in try promised.transform {
            switch try op.which {
            case .noop: continue
            case .getPointerField(let field): path.append(field)
            case ._unknown(let tag): throw RPCError(.unimplemented, "unknown pipeline op \(tag)")
            }
        }
        return path
    }

    func releaseExport(_ id: UInt32, count: UInt32) {
        guard var entry = exports[id] else { return }
        if entry.referenceCount <= count {
            exports[id] = nil
            exportByCapability[ObjectIdentifier(entry.capability)] = nil
            exportIds.release(id)
        } else {
            entry.referenceCount -= count
            exports[id] = entry
        }
    }
}
