// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Received parameters or results: the content and the capabilities it refers to.
///
/// Capability pointers in the content hold indices into ``capabilities``; ``capability(_:)``
/// turns a pointer field into the ``Capability`` it names.
public struct RPCPayload: Sendable {
    /// The parameter or result struct, untyped.
    public let content: AnyPointerReader
    /// The capability table; `nil` entries are null capabilities.
    public let capabilities: [Capability?]

    public init(content: AnyPointerReader, capabilities: [Capability?]) {
        self.content = content
        self.capabilities = capabilities
    }

    /// The content read as a generated struct type.
    public func content<T: StructReaderView>(as type: T.Type = T.self) throws -> T {
        T(try content.readStruct())
    }

    /// The capability a pointer field names. A null pointer gives a broken capability, so a
    /// call on it fails with a clear error rather than crashing.
    public func capability(_ pointer: AnyPointerReader) throws -> Capability {
        guard let index = try pointer.readCapability() else {
            return .broken(RPCError(.failed, "the capability field is null"))
        }
        guard Int(index) < capabilities.count, let capability = capabilities[Int(index)] else {
            return .broken(RPCError(.failed, "capability index \(index) is not in the message's table"))
        }
        return capability
    }

    /// The capability a pointer field names, or nil when the field is null or names a null
    /// capability (what a typed accessor of a generated struct returns). An index outside the
    /// table is a malformed message and throws.
    public func optionalCapability(_ pointer: AnyPointerReader) throws -> Capability? {
        guard let index = try pointer.readCapability() else { return nil }
        guard Int(index) < capabilities.count else {
            throw RPCError(.failed, "capability index \(index) is not in the message's table")
        }
        return capabilities[Int(index)]
    }

    /// Follows a pipeline path (pointer field indices, struct by struct) to a capability.
    func capability(at path: [UInt16]) -> Capability {
        do {
            var pointer = content
            for field in path { pointer = try pointer.readStruct().pointer(Int(field)) }
            return try capability(pointer)
        } catch {
            return .broken(RPCError(.failed, "pipeline path \(path) does not lead to a capability: \(error)"))
        }
    }
}

/// Parameters or results being written, inside the RPC message that will carry them.
///
/// Building straight into the outgoing Call or Return message avoids a copy: the engine adds
/// the header fields and the capability table when it sends the message.
public final class RPCPayloadBuilder {
    let message: MessageBuilder
    let payload: Payload.Builder
    /// Capabilities written so far; pointer fields hold their indices.
    public private(set) var capabilities: [Capability?] = []

    init(message: MessageBuilder, payload: Payload.Builder) {
        self.message = message
        self.payload = payload
    }

    /// A builder for the parameters of a call.
    static func call(interfaceId: UInt64, methodId: UInt16) -> (RPCPayloadBuilder, Call.Builder) {
        let message = MessageBuilder.rpcPayload()
        let call = message.initRoot(Message.Builder.self).initCall()
        call.interfaceId = interfaceId
        call.methodId = methodId
        return (RPCPayloadBuilder(message: message, payload: call.initParams()), call)
    }

    /// A builder for the results of a call.
    static func results() -> (RPCPayloadBuilder, Return.Builder) {
        let message = MessageBuilder.rpcPayload()
        let ret = message.initRoot(Message.Builder.self).initReturn()
        return (RPCPayloadBuilder(message: message, payload: ret.initResults()), ret)
    }

    /// The content slot, for untyped writing.
    public var content: AnyPointerBuilder { payload.content }

    /// Starts the content as a generated struct type.
    public func initContent<T: StructBuilderView>(_ type: T.Type = T.self) -> T {
        T(payload.content.initStruct(dataWords: T.dataWordCount, pointerCount: T.pointerCount))
    }

    /// Adds a capability to the table and returns its index.
    public func add(_ capability: Capability?) -> UInt32 {
        capabilities.append(capability)
        return UInt32(capabilities.count - 1)
    }

    /// Writes `capability` into a pointer slot of the content.
    public func setCapability(_ capability: Capability?, in slot: AnyPointerBuilder) {
        slot.setCapability(add(capability))
    }

    /// The content as a received payload (for calls that stay in this process).
    func asPayload() -> RPCPayload {
        let reader = message.reader(options: ReaderOptions(traversalLimitWords: .max / 2))
        let content = (try? Message.Reader(reader.root())).flatMap { message -> AnyPointerReader? in
            switch try? message.which {
            case .call(let call): return (try? call.params)?.content
            case .return(let ret): return (try? ret.results)?.content
            default: return nil
            }
        }
        return RPCPayload(content: content ?? .null, capabilities: capabilities)
    }
}
