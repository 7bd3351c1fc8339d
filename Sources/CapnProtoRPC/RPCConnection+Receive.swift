// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto

// Incoming messages.
extension RPCConnection {
    func handle(_ reader: MessageReader) {
        guard brokenBy == nil else { return }
        do {
            let message = try reader.root(as: Message.Reader.self)
            switch try message.which {
            case .call(let call): try receiveCall(call)
            case .return(let ret): try receiveReturn(ret)
            case .finish(let finish): receiveFinish(finish)
            case .bootstrap(let bootstrap): try receiveBootstrap(bootstrap)
            case .release(let release): releaseExport(release.id, count: release.referenceCount)
            case .resolve(let resolve): try receiveResolve(resolve)
            case .disembargo(let disembargo): try receiveDisembargo(disembargo)
            case .abort(let exception):
                let peer = RPCError(reading: exception)
                disconnect(RPCError(.disconnected, "the peer aborted the connection: \(peer)"))
            case .unimplemented(let echoed): try receiveUnimplemented(echoed)
            default: replyUnimplemented(message)
            }
        } catch {
            abort("malformed message: \(error)")
        }
    }

    private func receiveCall(_ call: Call.Reader) throws {
        let id = call.questionId
        guard answers[id] == nil else { return abort("question \(id) is already in use") }
        guard admitAnswer() else { return }
        answers[id] = AnswerEntry()
        let incoming = IncomingCall(
            answerId: id,
            path: [],
            interfaceId: call.interfaceId,
            methodId: call.methodId,
            params: try readPayload(call.params)
        )
        switch try call.sendResultsTo.which {
        case .caller:
            break
        case .yourself:
            // A tail call: keep the results here for a Return.takeFromOtherQuestion.
            answers[id]?.resultsSentElsewhere = true
        default:
            return complete(id, .failure(RPCError(.unimplemented, "results can only be sent to the caller or kept")))
        }
        switch try call.target.which {
        case .importedCap(let exportId):
            guard let target = exports[exportId]?.capability else { return abortUnknownExport(exportId) }
            dispatch(incoming, to: target)
        case .promisedAnswer(let promised):
            var queued = incoming
            queued.path = try readTransform(promised)
            guard let answer = answers[promised.questionId] else { return abortUnknownAnswer(promised.questionId) }
            if answer.result.current == nil {
                answers[promised.questionId]?.queued.append(queued)
            } else {
                dispatch(queued, to: answerCapability(promised.questionId, path: queued.path))
            }
        case ._unknown(let tag):
            complete(id, .failure(RPCError(.unimplemented, "unknown message target \(tag)")))
        }
    }

    /// Runs an incoming call. Calls that go straight back to the peer are sent at once, so
    /// they keep their order relative to messages that follow (a Disembargo in particular).
    private func dispatch(_ incoming: IncomingCall, to target: Capability) {
        let id = incoming.answerId
        if isOnPeer(target) {
            let call = forward(incoming, to: target)
            answers[id]?.task = Task { self.complete(id, await Self.collect(call)) }
            return
        }
        // Calls on a local server start in arrival order on its executor (E-order), here on
        // this connection's thread if the capability is idle.
        if let callHome = home.executor { target.executor?.prefer(callHome) }
        let executor = target.executor
        // A call holds a local server, not its capability, so that a Release runs the server's
        // `released()` even while calls are pending (see ``CapabilityServer/released()``).
        if let server = target.localServer {
            let call = ServerCall(incoming)
            if let gate = server.gate(for: call) {
                let held = HeldCall(call: call, server: server, executor: executor, gate: gate)
                if hold(id, held) { return }
            }
            start(id, call, on: server, executor: executor)
            return
        }
        answers[id]?.task = Task(executorPreference: executor) {
            let result = await Self.perform(incoming, on: target)
            if !self.completeHere(id, result) { await self.complete(id, result) }
        }
    }

    private func start(_ id: UInt32, _ call: ServerCall, on server: any CapabilityServer, executor: SerialCallExecutor?)
    {
        answers[id]?.task = Task(executorPreference: executor) {
            let result = await Self.perform(call, on: server)
            if !self.completeHere(id, result) { await self.complete(id, result) }
        }
    }

    /// Keeps a call without a task until its gate opens; false if it is open already.
    private func hold(_ id: UInt32, _ held: HeldCall) -> Bool {
        let home = home
        let waiter = held.gate.whenOpen {
            home.enqueue(on: self) { $0.startHeld(id, held) }
        }
        guard let waiter else { return false }
        held.waiter = waiter
        answers[id]?.held = held
        return true
    }

    /// Starts a held call whose gate opened, unless the caller gave up on it meanwhile.
    private func startHeld(_ id: UInt32, _ held: HeldCall) {
        guard let entry = answers[id], entry.held === held else { return }
        entry.held = nil
        if let callHome = home.executor { held.executor?.prefer(callHome) }
        start(id, held.call, on: held.server, executor: held.executor)
    }

    /// Drops a held call's wait (the caller finished it, or the connection ended). True if it was held.
    func dropHeld(_ entry: AnswerEntry) -> Bool {
        guard let held = entry.held else { return false }
        entry.held = nil
        held.gate.forget(held.waiter)
        return true
    }

    /// Re-sends an incoming call to the peer (the target turned out to live there).
    private func forward(_ incoming: IncomingCall, to target: Capability) -> RPCCall {
        let (payload, call) = RPCPayloadBuilder.call(interfaceId: incoming.interfaceId, methodId: incoming.methodId)
        do {
            try payload.content.set(incoming.params.content)
        } catch {
            return RPCCall(failed: RPCError.from(error))
        }
        for capability in incoming.params.capabilities { _ = payload.add(capability) }
        switch target.target {
        case .imported(let ref):
            call.initTarget().importedCap = ref.id
            imports[ref.id]?.callsSent = true
            return issueNow(OutgoingCall(payload: payload, call: call))
        case .pipelined(let question, let path):
            let answer = call.initTarget().initPromisedAnswer()
            answer.questionId = question.id
            writeTransform(path, to: answer)
            questions[question.id]?.pipelinedPaths.insert(path)
            return issueNow(OutgoingCall(payload: payload, call: call))
        default:
            return RPCCall(failed: RPCError(.failed, "internal: forward to a capability not on the peer"))
        }
    }

    /// Runs a call on a capability in this process (or elsewhere) and gathers the results.
    nonisolated(nonsending) static func perform(
        _ incoming: IncomingCall,
        on target: Capability
    ) async -> Result<ServerResults, RPCError> {
        switch target.target {
        case .local(let server):
            return await perform(ServerCall(incoming), on: server)
        case .promise(let cell):
            return await perform(incoming, on: cell.wait())
        case .broken(let error):
            return .failure(error)
        case .imported, .pipelined:
            let call = await target.send(interfaceId: incoming.interfaceId, methodId: incoming.methodId) { payload in
                try payload.content.set(incoming.params.content)
                for capability in incoming.params.capabilities { _ = payload.add(capability) }
            }
            return await collect(call)
        }
    }

    /// Runs a call on a server in this process.
    nonisolated(nonsending) static func perform(
        _ call: ServerCall,
        on server: any CapabilityServer
    ) async -> Result<ServerResults, RPCError> {
        do {
            try await server.dispatch(call)
            let (payload, ret) = call.takeResults()
            return .success(ServerResults(payload: payload, ret: ret))
        } catch {
            return .failure(RPCError.from(error))
        }
    }

    /// Copies a forwarded call's results into a Return of our own.
    static func collect(_ call: RPCCall) async -> Result<ServerResults, RPCError> {
        do {
            let payload = try await call.response()
            let (builder, ret) = RPCPayloadBuilder.results()
            try builder.content.set(payload.content)
            for capability in payload.capabilities { _ = builder.add(capability) }
            return .success(ServerResults(payload: builder, ret: ret))
        } catch {
            return .failure(RPCError.from(error))
        }
    }

    /// ``complete(_:_:)`` straight from a call that ended on the connection's own thread: no hop to the
    /// actor. Returns false when the caller is elsewhere.
    nonisolated func completeHere(_ id: UInt32, _ result: Result<ServerResults, RPCError>) -> Bool {
        home.runHere(self) { $0.complete(id, result) } != nil
    }

    /// Sends the Return for answer `id` and runs the calls that were waiting on it.
    func complete(_ id: UInt32, _ result: Result<ServerResults, RPCError>) {
        guard let entry = answers[id], !entry.returned else { return }
        switch result {
        case .success(let results) where entry.resultsSentElsewhere:
            // Kept whole for the Return.takeFromOtherQuestion that the caller will send us.
            entry.result.resolve(.success(results.payload.asPayload()))
            let message = MessageBuilder.rpcControl()
            let ret = message.initRoot(Message.Builder.self).initReturn()
            ret.answerId = id
            ret.releaseParamCaps = false
            ret.setResultsSentElsewhere()
            transmit(message)
        case .success(let results):
            results.ret.answerId = id
            results.ret.releaseParamCaps = false
            entry.resultExports = writeCapTable(results.payload)
            // Only results with capabilities can be pipelined on; skip the copy otherwise.
            let kept =
                results.payload.capabilities.isEmpty
                ? RPCPayload(content: .null, capabilities: []) : results.payload.asPayload()
            entry.result.resolve(.success(kept))
            transmit(results.payload.message)
        case .failure(let error):
            let message = MessageBuilder.rpcControl()
            let ret = message.initRoot(Message.Builder.self).initReturn()
            ret.answerId = id
            ret.releaseParamCaps = false
            if entry.resultsSentElsewhere {
                // A tail call's failure too stays here (C++ rejects an exception Return).
                ret.setResultsSentElsewhere()
            } else if entry.finishReceived {
                // The caller gave up on the call (Finish) before it completed.
                ret.setCanceled()
            } else {
                error.write(to: ret.initException())
            }
            entry.result.resolve(.failure(error))
            transmit(message)
        }
        entry.returned = true
        // A finished task's handle keeps the task's memory, frames' slabs included, and the entry may stay
        // long after the Return: until the caller's Finish, which a caller holding a capability from the
        // results (a ticket, a job) sends only when it lets go of that.
        entry.task = nil
        let queued = entry.queued
        entry.queued = []
        if entry.finishReceived {
            if entry.releaseResultsOnReturn {
                for export in entry.resultExports { releaseExport(export, count: 1) }
            }
            answers[id] = nil
        }
        for call in queued {
            let target: Capability
            switch entry.result.current {
            case .success(let payload): target = payload.capability(at: call.path)
            case .failure(let error): target = .broken(error)
            case nil: target = .broken(RPCError(.failed, "internal: answer without result"))
            }
            dispatch(call, to: target)
        }
    }

    private func receiveReturn(_ ret: Return.Reader) throws {
        let id = ret.answerId
        guard let entry = questions[id], !entry.returned else { return abort("Return for unknown question \(id)") }
        entry.returned = true
        if ret.releaseParamCaps {
            for export in entry.paramExports { releaseExport(export, count: 1) }
        }
        let result: Result<RPCPayload, RPCError>
        switch try ret.which {
        case .results(let payload): result = .success(try readPayload(payload, importing: !entry.finished))
        case .exception(let exception): result = .failure(RPCError(reading: exception))
        case .canceled: result = .failure(RPCError(.failed, "the call was canceled"))
        case .takeFromOtherQuestion(let other):
            // The peer tail-called one of our objects (sendResultsTo.yourself): our answer to
            // that call holds the results.
            guard let answer = answers[other], answer.resultsSentElsewhere else {
                return abort("Return.takeFromOtherQuestion names answer \(other), which is not a tail call")
            }
            if let current = answer.result.current {
                result = current
            } else {
                let (cell, source) = (entry.result, answer.result)
                Task { cell.resolve(await source.wait()) }
                finishReturn(id, entry)
                return
            }
        case .resultsSentElsewhere:
            result = .failure(RPCError(.failed, "the peer sent the results elsewhere, though they were asked for"))
        default:
            return abort("unsupported Return kind (level 3)")
        }
        entry.result.resolve(result)
        finishReturn(id, entry)
        if let ref = entry.ref { redirectPipelines(of: ref, to: result) }
    }

    /// Points the question's pipelined capabilities at what they resolved to, where that keeps call
    /// order without an embargo, so they stop holding the question.
    private func redirectPipelines(of question: QuestionRef, to result: Result<RPCPayload, RPCError>) {
        for capability in question.takePipelines() {
            guard case .pipelined(_, let path) = capability.target else { continue }
            switch result {
            case .failure(let error):
                capability.redirect(to: .broken(error))
            case .success(let payload):
                let resolved = payload.capability(at: path).target
                switch resolved {
                case .imported(let ref) where ref.connection === self && imports[ref.id]?.resolution == nil:
                    capability.redirect(to: resolved)
                case .broken:
                    capability.redirect(to: resolved)
                default:
                    // Local or elsewhere: `send` decides about an embargo on first use.
                    break
                }
            }
        }
    }

    /// Forgets a returned question once it is finished too.
    private func finishReturn(_ id: UInt32, _ entry: QuestionEntry) {
        if entry.finished {
            questions[id] = nil
            questionIds.release(id)
        }
    }

    private func receiveFinish(_ finish: Finish.Reader) {
        let id = finish.questionId
        guard let entry = answers[id] else { return }
        entry.finishReceived = true
        if entry.returned {
            if finish.releaseResultCaps {
                for export in entry.resultExports { releaseExport(export, count: 1) }
            }
            answers[id] = nil
        } else {
            entry.releaseResultsOnReturn = finish.releaseResultCaps
            entry.task?.cancel()
            if dropHeld(entry) { complete(id, .failure(RPCError.from(CancellationError()))) }
        }
    }

    private func receiveBootstrap(_ bootstrap: Bootstrap.Reader) throws {
        let id = bootstrap.questionId
        guard answers[id] == nil else { return abort("question \(id) is already in use") }
        guard admitAnswer() else { return }
        answers[id] = AnswerEntry()
        let serviceId = try bootstrap.deprecatedObjectId.textBytes().map { [UInt8]($0) } ?? []
        guard let capability = restorer(serviceId) else {
            let reason = serviceId.isEmpty ? "This vat has no bootstrap capability" : "Unknown persistent service ID"
            return complete(id, .failure(RPCError(.failed, reason)))
        }
        let (payload, ret) = RPCPayloadBuilder.results()
        payload.setCapability(capability, in: payload.content)
        complete(id, .success(ServerResults(payload: payload, ret: ret)))
    }

    private func receiveResolve(_ resolve: Resolve.Reader) throws {
        let id = resolve.promiseId
        let resolution: Capability
        switch try resolve.which {
        case .cap(let descriptor):
            resolution =
                try capability(for: descriptor, importing: true) ?? .broken(RPCError(.failed, "resolved to null"))
        case .exception(let exception):
            resolution = .broken(RPCError(reading: exception))
        case ._unknown(let tag):
            return abort("unknown Resolve kind \(tag)")
        }
        guard var entry = imports[id] else { return }
        entry.resolution =
            resolvesToItself(resolution, id)
            ? .broken(RPCError(.failed, "the peer resolved promise \(id) to itself")) : resolution
        if entry.callsSent, needsEmbargo(resolution) {
            // Calls sent to the promise are still on their way back to us through the peer:
            // hold new calls to the resolution until a Disembargo has made the round trip.
            let cell = PromiseCell<Void>()
            let embargoId = embargoIds.allocate()
            embargoes[embargoId] = cell
            entry.embargo = cell
            let message = MessageBuilder.rpcControl()
            let disembargo = message.initRoot(Message.Builder.self).initDisembargo()
            disembargo.initTarget().importedCap = id
            disembargo.context.senderLoopback = embargoId
            transmit(message)
        }
        imports[id] = entry
    }

    /// Whether `resolution` leads back to import `id` through imports resolved before: calls on a
    /// promise resolved to itself would be delivered to it again forever.
    private func resolvesToItself(_ resolution: Capability, _ id: UInt32) -> Bool {
        var current = resolution
        // Each step visits a different import, so the walk ends after at most imports.count steps.
        for _ in 0...imports.count {
            guard case .imported(let ref) = current.target, ref.connection === self else { return false }
            if ref.id == id { return true }
            guard let next = imports[ref.id]?.resolution else { return false }
            current = next
        }
        return true
    }

    private func receiveDisembargo(_ disembargo: Disembargo.Reader) throws {
        switch try disembargo.context.which {
        case .senderLoopback(let embargoId):
            let target: Capability?
            switch try disembargo.target.which {
            case .importedCap(let exportId): target = exports[exportId]?.capability
            case .promisedAnswer(let promised):
                target = answerCapability(promised.questionId, path: try readTransform(promised))
            case ._unknown: target = nil
            }
            guard let target, case .imported(let ref) = target.target, ref.connection === self else {
                return abort("Disembargo target does not point back to its sender")
            }
            let message = MessageBuilder.rpcControl()
            let reply = message.initRoot(Message.Builder.self).initDisembargo()
            reply.initTarget().importedCap = ref.id
            reply.context.receiverLoopback = embargoId
            transmit(message)
        case .receiverLoopback(let embargoId):
            guard let cell = embargoes.removeValue(forKey: embargoId) else {
                return abort("Disembargo for unknown embargo \(embargoId)")
            }
            embargoIds.release(embargoId)
            cell.resolve(())
        default:
            let message = MessageBuilder.rpcControl()
            try message.initRoot(Message.Builder.self).setUnimplemented(Message.Reader(disembargoMessage(disembargo)))
            transmit(message)
        }
    }

    private func disembargoMessage(_ disembargo: Disembargo.Reader) -> StructReader { disembargo._reader }

    private func receiveUnimplemented(_ echoed: Message.Reader) throws {
        switch try echoed.which {
        case .call(let call):
            guard let entry = questions[call.questionId], !entry.returned else { return }
            entry.returned = true
            for export in entry.paramExports { releaseExport(export, count: 1) }
            entry.result.resolve(.failure(RPCError(.unimplemented, "the peer does not implement calls of this kind")))
            if entry.finished {
                questions[call.questionId] = nil
                questionIds.release(call.questionId)
            }
        case .bootstrap(let bootstrap):
            questions[bootstrap.questionId]?.result.resolve(
                .failure(RPCError(.unimplemented, "the peer does not implement Bootstrap"))
            )
        default:
            break
        }
    }

    private func replyUnimplemented(_ original: Message.Reader) {
        let message = MessageBuilder.rpcControl()
        do {
            try message.initRoot(Message.Builder.self).setUnimplemented(original)
            transmit(message)
        } catch {
            abort("cannot echo an unimplemented message: \(error)")
        }
    }
}

/// A server's finished results on their way into a Return message.
struct ServerResults: @unchecked Sendable {
    // Sendable: built by the task that ran the call, then handed once to the connection.
    let payload: RPCPayloadBuilder
    let ret: Return.Builder
}
