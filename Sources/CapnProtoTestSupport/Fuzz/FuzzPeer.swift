// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC

/// The hostile peer of ``RPCFuzzHarness``: turns input bytes into RPC messages, aiming them at
/// the ids the engine has really used (read back from the frames it sends).
struct FuzzPeer {
    let transport: FuzzTransport
    /// Question ids the peer used for its Calls and Bootstraps (the engine's answer ids).
    private var ourQuestions: [UInt32] = []
    private var nextQuestion: UInt32 = 0
    /// Question ids the engine used for its calls (the peer may Return them).
    private var theirQuestions: [UInt32] = []
    /// Capabilities the engine exported (the peer may call, release and name them).
    private var exports: [UInt32] = []
    /// Capabilities the peer exported to the engine (it may Resolve them).
    private var ourExports: [UInt32] = []
    /// senderLoopback ids of the engine's Disembargos (the peer may reflect them).
    private var loopbacks: [UInt32] = []
    /// Recent messages from the engine (the peer may echo them as Unimplemented).
    private var recent: [MessageReader] = []

    /// Interfaces of the test services, then one nobody implements.
    private static let interfaces: [UInt64] = [
        TestService.interfaceID, TestService.interfaceID, Counter.interfaceID, Callback.interfaceID,
        0x1234_5678_9abc_def0,
    ]

    init(transport: FuzzTransport) { self.transport = transport }

    /// The next message's frame, or nil for a step that sends nothing.
    mutating func nextFrame(_ input: inout FuzzInput) -> [UInt8]? {
        let kind = input.byte() % 12
        if kind == 11 { return input.chunk(limit: 255) }
        let message = MessageBuilder(firstSegmentWords: 64)
        let root = message.initRoot(Message.Builder.self)
        switch kind {
        case 0: bootstrap(root, &input)
        case 1, 2: call(root, &input)
        case 3, 4: giveReturn(root, &input)
        case 5:
            let finish = root.initFinish()
            finish.questionId = input.id(from: ourQuestions)
            finish.releaseResultCaps = input.bool()
        case 6:
            let release = root.initRelease()
            release.id = input.id(from: exports)
            release.referenceCount = UInt32(input.byte() % 4)
        case 7:
            let resolve = root.initResolve()
            resolve.promiseId = input.id(from: ourExports)
            if input.byte() % 4 == 0 {
                resolve.initException().reason = "fuzz"
            } else {
                describe(resolve.initCap(), &input)
            }
        case 8: disembargo(root, &input)
        case 9:
            let exception = root.initAbort()
            exception.reason = String(decoding: input.chunk(limit: 16), as: UTF8.self)
        default:
            guard !recent.isEmpty, let echoed = try? Message.Reader(recent[Int(input.byte()) % recent.count].root())
            else { return nil }
            guard (try? root.setUnimplemented(echoed)) != nil else { return nil }
        }
        return message.serialize()
    }

    private mutating func bootstrap(_ root: Message.Builder, _ input: inout FuzzInput) {
        let bootstrap = root.initBootstrap()
        bootstrap.questionId = question(&input)
        if input.byte() % 8 == 0 {
            bootstrap.deprecatedObjectId.setText(String(decoding: input.chunk(limit: 8), as: UTF8.self))
        }
    }

    private mutating func call(_ root: Message.Builder, _ input: inout FuzzInput) {
        let call = root.initCall()
        call.questionId = question(&input)
        target(call.initTarget(), &input)
        call.interfaceId = Self.interfaces[Int(input.byte()) % Self.interfaces.count]
        call.methodId = UInt16(input.byte() % 13)
        switch input.byte() % 8 {
        case 0: call.sendResultsTo.setYourself()
        case 1: call.sendResultsTo.thirdParty.setText("elsewhere")
        default: call.sendResultsTo.setCaller()
        }
        payload(call.initParams(), &input)
    }

    private mutating func giveReturn(_ root: Message.Builder, _ input: inout FuzzInput) {
        let ret = root.initReturn()
        ret.answerId = input.id(from: theirQuestions)
        ret.releaseParamCaps = input.bool()
        switch input.byte() % 8 {
        case 0: ret.initException().reason = "fuzz"
        case 1: ret.setCanceled()
        case 2: ret.setResultsSentElsewhere()
        case 3: ret.takeFromOtherQuestion = input.id(from: ourQuestions)
        case 4: ret.acceptFromThirdParty.setText("third")
        default: payload(ret.initResults(), &input)
        }
    }

    private mutating func disembargo(_ root: Message.Builder, _ input: inout FuzzInput) {
        let disembargo = root.initDisembargo()
        target(disembargo.initTarget(), &input)
        switch input.byte() % 4 {
        case 0: disembargo.context.senderLoopback = UInt32(input.byte())
        case 1: disembargo.context.setAccept()
        case 2: disembargo.context.provide = UInt32(input.byte())
        default: disembargo.context.receiverLoopback = input.id(from: loopbacks)
        }
    }

    /// A fresh question id most of the time, else one that may be in use.
    private mutating func question(_ input: inout FuzzInput) -> UInt32 {
        let id: UInt32
        if input.byte() % 4 == 0 {
            id = input.id(from: ourQuestions)
        } else {
            id = nextQuestion
            nextQuestion += 1
        }
        remember(id, in: &ourQuestions)
        return id
    }

    private mutating func target(_ target: MessageTarget.Builder, _ input: inout FuzzInput) {
        if input.byte() % 3 == 0 {
            promisedAnswer(target.initPromisedAnswer(), &input)
        } else {
            target.importedCap = input.id(from: exports)
        }
    }

    private mutating func promisedAnswer(_ answer: PromisedAnswer.Builder, _ input: inout FuzzInput) {
        answer.questionId = input.id(from: ourQuestions)
        let count = Int(input.byte() % 3)
        let ops = answer.initTransform(count: count)
        for index in 0..<count {
            if input.byte() % 4 == 0 {
                ops[index].setNoop()
            } else {
                ops[index].getPointerField = UInt16(input.byte() % 3)
            }
        }
    }

    /// Content (a struct of two data words and two pointers: text, capability or a nested struct
    /// holding a capability, so pipeline paths lead somewhere) and a capability table.
    private mutating func payload(_ payload: Payload.Builder, _ input: inout FuzzInput) {
        let capCount = Int(input.byte() % 4)
        let content = payload.content.initStruct(dataWords: 2, pointerCount: 2)
        content.write(UInt64(input.u16()), at: 0)
        content.write(UInt64(input.byte()), at: 1)
        for index in 0..<2 {
            let slot = content.pointer(index)
            switch input.byte() % 4 {
            case 0: break
            case 1: slot.setText(String(decoding: input.chunk(limit: 12), as: UTF8.self))
            case 2: slot.setCapability(UInt32(input.byte()) % UInt32(capCount + 1))
            default:
                slot.initStruct(dataWords: 0, pointerCount: 1).pointer(0).setCapability(
                    UInt32(input.byte()) % UInt32(capCount + 1)
                )
            }
        }
        let table = payload.initCapTable(count: capCount)
        for index in 0..<capCount { describe(table[index], &input) }
    }

    private mutating func describe(_ descriptor: CapDescriptor.Builder, _ input: inout FuzzInput) {
        switch input.byte() % 8 {
        case 0: descriptor.setNone()
        case 1, 2:
            let id = input.id(from: ourExports)
            remember(id, in: &ourExports)
            descriptor.senderHosted = id
        case 3:
            let id = input.id(from: ourExports)
            remember(id, in: &ourExports)
            descriptor.senderPromise = id
        case 4: descriptor.receiverHosted = input.id(from: exports)
        case 5: promisedAnswer(descriptor.initReceiverAnswer(), &input)
        case 6: descriptor.initThirdPartyHosted().vineId = input.id(from: ourExports)
        default: descriptor._builder.write(UInt16(9), at: 0)
        }
    }

    /// Learns the ids the engine used from the frames it sent.
    mutating func observe(_ frames: [[UInt8]]) {
        for frame in frames {
            guard let reader = try? Framing.decode(frame), let message = try? reader.root(as: Message.Reader.self),
                let which = try? message.which
            else { continue }
            recent.append(reader)
            if recent.count > 8 { recent.removeFirst() }
            switch which {
            case .call(let call):
                remember(call.questionId, in: &theirQuestions)
                if let params = try? call.params { learnExports(params) }
            case .bootstrap(let bootstrap):
                remember(bootstrap.questionId, in: &theirQuestions)
            case .return(let ret):
                if case .results(let results)? = try? ret.which { learnExports(results) }
            case .resolve(let resolve):
                if case .cap(let descriptor)? = try? resolve.which { learnExport(descriptor) }
            case .disembargo(let disembargo):
                if case .senderLoopback(let id)? = try? disembargo.context.which { remember(id, in: &loopbacks) }
            default:
                break
            }
        }
    }

    private mutating func learnExports(_ payload: Payload.Reader) {
        guard let table = try? payload.capTable else { return }
        for descriptor in table { learnExport(descriptor) }
    }

    private mutating func learnExport(_ descriptor: CapDescriptor.Reader) {
        switch try? descriptor.which {
        case .senderHosted(let id)?, .senderPromise(let id)?: remember(id, in: &exports)
        default: break
        }
    }

    /// Keeps the last 16 ids of a kind, the most recent last.
    private func remember(_ id: UInt32, in list: inout [UInt32]) {
        if let index = list.firstIndex(of: id) { list.remove(at: index) }
        list.append(id)
        if list.count > 16 { list.removeFirst() }
    }
}
