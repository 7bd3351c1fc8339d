// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Logging

/// One end of a two-party Cap'n Proto RPC connection (rpc.capnp, level 1).
///
/// Keeps the four tables — questions (our calls), answers (the peer's calls), exports (our
/// capabilities the peer holds) and imports (the peer's capabilities we hold) — and turns
/// ``Capability`` calls into messages and messages into calls on local servers. Messages go
/// out in the order the actor produces them.
public actor RPCConnection: RPCFrameReceiver {
    let transport: any RPCTransport
    let logger: Logger
    let restorer: @Sendable ([UInt8]) -> Capability?
    let limits: RPCLimits

    var questionIds = IDAllocator()
    var exportIds = IDAllocator()
    var embargoIds = IDAllocator()
    var questions: [UInt32: QuestionEntry] = [:]
    var answers: [UInt32: AnswerEntry] = [:]
    var exports: [UInt32: ExportEntry] = [:]
    var exportByCapability: [ObjectIdentifier: UInt32] = [:]
    var imports: [UInt32: ImportEntry] = [:]
    var embargoes: [UInt32: PromiseCell<Void>] = [:]
    /// Why the connection ended, once it has.
    var brokenBy: RPCError?
    private let closed = PromiseCell<RPCError>()
    /// Releases and finishes queued by handles being destroyed.
    let releaseQueue = DeinitQueue<HandleRelease>()

    private var reader: Task<Void, Never>?
    /// Where the actor runs: the transport's thread when it offers one (incoming calls start on it
    /// too), else the cooperative pool.
    let home: ExecutionHome

    public nonisolated var unownedExecutor: UnownedSerialExecutor { home.serialExecutor }

    /// - Parameters:
    ///   - transport: the message channel to the peer.
    ///   - bootstrap: what the peer gets from a Bootstrap message without a service id.
    ///   - services: capabilities restorable by service id: the raw bytes capnp-rpc sends as a
    ///     Bootstrap's deprecatedObjectId for a sturdy ref (empty for a plain bootstrap).
    ///   - limits: what the peer may make this connection hold.
    ///   - logger: where protocol errors are reported.
    public init(
        transport: any RPCTransport,
        bootstrap: Capability? = nil,
        services: (@Sendable ([UInt8]) -> Capability?)? = nil,
        limits: RPCLimits = .default,
        logger: Logger = Logger(label: "capnp.rpc")
    ) {
        self.transport = transport
        self.limits = limits
        home = ExecutionHome(transport.executor)
        self.logger = logger
        self.restorer = { serviceId in
            if let found = services?(serviceId) { return found }
            return serviceId.isEmpty ? bootstrap : nil
        }
    }

    /// Starts reading. Call once.
    public func start() {
        let transport = transport
        // On the transport's thread, frames come straight to `receive(_:)`; elsewhere a task on
        // the actor reads them.
        if home.executor != nil, transport.deliver(to: self) { return }
        reader = Task {
            do {
                for try await message in transport.incoming { self.handle(message) }
                self.disconnect(RPCError(.disconnected, "the peer closed the connection"))
            } catch {
                self.disconnect(RPCError(.disconnected, "connection failed: \(error)"))
            }
        }
    }

    /// The peer's bootstrap capability, or the service `serviceId` names (sturdy refs).
    /// Usable at once: calls are pipelined until the peer answers.
    public func bootstrap(serviceId: [UInt8] = []) -> Capability {
        if let brokenBy { return .broken(brokenBy) }
        let id = questionIds.allocate()
        let cell = PromiseCell<Result<RPCPayload, RPCError>>()
        questions[id] = QuestionEntry(result: cell)
        let message = MessageBuilder.rpcControl()
        let bootstrap = message.initRoot(Message.Builder.self).initBootstrap()
        bootstrap.questionId = id
        // capnp-rpc reads the id as Text (NUL-terminated bytes); an empty id stays null.
        if !serviceId.isEmpty {
            serviceId.withUnsafeBytes { bootstrap.deprecatedObjectId.setBytes($0, terminator: true) }
        }
        transmit(message)
        let ref = QuestionRef(connection: self, id: id, result: cell)
        questions[id]?.ref = ref
        return Capability(target: .pipelined(ref, []))
    }

    /// Ends the connection: outstanding calls fail as disconnected.
    public func close() async {
        disconnect(RPCError(.disconnected, "connection closed locally"))
        await transport.close()
    }

    /// Waits until the connection has ended, and says why.
    public func closedReason() async -> RPCError { await closed.wait() }

    /// Sizes of the four tables, for leak checks.
    public var tableSizes: (questions: Int, answers: Int, exports: Int, imports: Int) {
        (questions.count, answers.count, exports.count, imports.count)
    }

    // MARK: - Receiving

    /// A message from a transport that delivers straight to the actor's executor (see ``start()``).
    public nonisolated func receive(_ message: MessageReader) {
        assumeIsolated { $0.handle(message) }
    }

    public nonisolated func receiveEnd(_ error: (any Error)?) {
        assumeIsolated { connection in
            if let error {
                connection.disconnect(RPCError(.disconnected, "connection failed: \(error)"))
            } else {
                connection.disconnect(RPCError(.disconnected, "the peer closed the connection"))
            }
        }
    }

    // MARK: - Sending

    /// Hands a message to the transport, which queues it without waiting (so messages keep
    /// the order the actor makes them in, with no writer task to wake for each).
    func transmit(_ message: MessageBuilder) {
        guard brokenBy == nil else { return }
        do {
            try transport.send(message: message)
        } catch {
            disconnect(RPCError(.disconnected, "cannot send: \(error)"))
        }
    }

    /// Where an outgoing call is aimed.
    enum CallTarget {
        case imported(ImportRef)
        case pipelined(QuestionRef, [UInt16])
    }

    /// Sends a call to the peer (or, when the target has resolved to something else, on to
    /// wherever it now points).
    func send(_ outgoing: OutgoingCall, to target: CallTarget) async -> RPCCall {
        if let call = sendUnlessResolved(outgoing, to: target) { return call }
        switch target {
        case .imported(let ref):
            guard let entry = imports[ref.id], let resolution = entry.resolution else {
                return RPCCall(failed: RPCError(.failed, "internal: import \(ref.id) has no resolution"))
            }
            // Calls made before the Resolve must arrive first (see receiveResolve).
            if let embargo = entry.embargo { await embargo.wait() }
            guard let next = outgoing.redirected() else { return RPCCall(failed: OutgoingCall.cycleError) }
            return await resolution.deliver(next)
        case .pipelined(let question, let path):
            guard let entry = questions[question.id], let result = question.result.current else {
                return RPCCall(failed: RPCError(.failed, "internal: question \(question.id) has no result"))
            }
            let resolved: Capability
            switch result {
            case .success(let payload): resolved = payload.capability(at: path)
            case .failure(let error): return RPCCall(failed: error)
            }
            if entry.pipelinedPaths.contains(path), !isOnPeer(resolved) {
                await embargo(question: question, path: path)
            }
            guard let next = outgoing.redirected() else { return RPCCall(failed: OutgoingCall.cycleError) }
            return await resolved.deliver(next)
        }
    }

    /// The part of ``send(_:to:)`` that never waits: sends the call to the peer unless its target
    /// has resolved to something else, and returns nil if it has (``send(_:to:)`` then waits for
    /// any embargo and delivers the call there).
    func sendUnlessResolved(_ outgoing: OutgoingCall, to target: CallTarget) -> RPCCall? {
        // The queued Releases and Finishes go first; a send failing there breaks the connection.
        drainReleases()
        if let brokenBy { return RPCCall(failed: brokenBy) }
        switch target {
        case .imported(let ref):
            if imports[ref.id]?.resolution != nil { return nil }
            imports[ref.id]?.callsSent = true
            outgoing.call.initTarget().importedCap = ref.id
            return issue(outgoing, pipelinedOn: nil)
        case .pipelined(let question, let path):
            guard questions[question.id] != nil else {
                return RPCCall(failed: RPCError(.failed, "question \(question.id) is no longer known"))
            }
            if question.result.current != nil { return nil }
            let answer = outgoing.call.initTarget().initPromisedAnswer()
            answer.questionId = question.id
            writeTransform(path, to: answer)
            questions[question.id]?.pipelinedPaths.insert(path)
            return issue(outgoing, pipelinedOn: question)
        }
    }

    /// ``sendUnlessResolved(_:to:)`` straight from a caller on the connection's own thread (see
    /// ``RPCTransport/executor``): no hop to the actor and back. Nil when the caller is elsewhere or the
    /// call must wait; the caller then uses ``send(_:to:)``.
    nonisolated func sendHere(_ outgoing: OutgoingCall, to target: CallTarget) -> RPCCall? {
        home.runHere(self) { $0.sendUnlessResolved(outgoing, to: target) } ?? nil
    }

    /// Whether calls on `capability` go straight to this connection's peer.
    func isOnPeer(_ capability: Capability) -> Bool {
        switch capability.target {
        case .imported(let ref): return ref.connection === self
        case .pipelined(let question, _): return question.connection === self
        default: return false
        }
    }

    /// Whether a promise that resolved to `capability` must hold new calls until the calls
    /// already sent through the peer have come back (a Disembargo round trip).
    func needsEmbargo(_ capability: Capability) -> Bool {
        if case .broken = capability.target { return false }
        return !isOnPeer(capability)
    }

    func issue(_ outgoing: OutgoingCall, pipelinedOn: QuestionRef?) -> RPCCall { issueNow(outgoing) }

    /// Allocates a question for a call whose target is already written, and sends it.
    func issueNow(_ outgoing: OutgoingCall) -> RPCCall {
        // A question added once the connection is broken would never be answered.
        if let brokenBy { return RPCCall(failed: brokenBy) }
        let id = questionIds.allocate()
        let cell = PromiseCell<Result<RPCPayload, RPCError>>()
        outgoing.call.questionId = id
        let entry = QuestionEntry(result: cell)
        entry.paramExports = writeCapTable(outgoing.payload)
        let ref = QuestionRef(connection: self, id: id, result: cell)
        entry.ref = ref
        questions[id] = entry
        transmit(outgoing.payload.message)
        return RPCCall(source: .question(ref))
    }

    func writeTransform(_ path: [UInt16], to answer: PromisedAnswer.Builder) {
        let ops = answer.initTransform(count: path.count)
        for (index, field) in path.enumerated() { ops[index].getPointerField = field }
    }

    /// Holds new calls on a promise that resolved to a capability outside this connection
    /// until the calls sent earlier through the peer have come back (a Disembargo loop).
    private func embargo(question: QuestionRef, path: [UInt16]) async {
        if let existing = questions[question.id]?.embargoes[path] {
            await existing.wait()
            return
        }
        let cell = PromiseCell<Void>()
        questions[question.id]?.embargoes[path] = cell
        let id = embargoIds.allocate()
        embargoes[id] = cell
        let message = MessageBuilder.rpcControl()
        let disembargo = message.initRoot(Message.Builder.self).initDisembargo()
        let answer = disembargo.initTarget().initPromisedAnswer()
        answer.questionId = question.id
        writeTransform(path, to: answer)
        disembargo.context.senderLoopback = id
        transmit(message)
        await cell.wait()
    }

    /// Called when the last user reference to a question goes.
    func finish(question id: UInt32) {
        guard let entry = questions[id], !entry.finished else { return }
        entry.finished = true
        let message = MessageBuilder.rpcControl()
        let finish = message.initRoot(Message.Builder.self).initFinish()
        finish.questionId = id
        // Results not yet received will never be imported: let the peer drop them itself.
        finish.releaseResultCaps = !entry.returned
        transmit(message)
        if entry.returned {
            questions[id] = nil
            questionIds.release(id)
        }
    }

    /// Called when the last user reference to an import goes.
    func releaseImport(_ id: UInt32) {
        guard let entry = imports[id], entry.ref == nil else { return }
        imports[id] = nil
        guard brokenBy == nil else { return }
        let message = MessageBuilder.rpcControl()
        let release = message.initRoot(Message.Builder.self).initRelease()
        release.id = id
        release.referenceCount = entry.received
        transmit(message)
    }

    /// Fails everything outstanding and stops.
    func disconnect(_ error: RPCError) {
        guard brokenBy == nil else { return }
        brokenBy = error
        if error.kind != .disconnected || error.reason.hasPrefix("protocol error") {
            logger.warning("RPC connection ended: \(error)")
        }
        for entry in questions.values { entry.result.resolve(.failure(error)) }
        for cell in embargoes.values { cell.resolve(()) }
        for entry in answers.values {
            entry.task?.cancel()
            _ = dropHeld(entry)
            entry.result.resolve(.failure(error))
        }
        questions = [:]
        answers = [:]
        exports = [:]
        exportByCapability = [:]
        imports = [:]
        embargoes = [:]
        // The transport sends what is queued (an Abort included) before it closes.
        let transport = transport
        Task { await transport.close() }
        reader?.cancel()
        closed.resolve(error)
    }

    /// Tells the peer it broke the protocol, then ends the connection.
    func abort(_ reason: String) {
        abort(RPCError(.failed, "protocol error: \(reason)"))
    }
}
