// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import Synchronization

/// A call we made and the peer has not finished answering, or whose results we still use.
///
/// This entry and ``AnswerEntry`` are classes: the engine reads and updates them several times per call,
/// and each read of a struct out of the table would copy it (a retain and a release for every reference
/// it holds).
final class QuestionEntry {
    let result: PromiseCell<Result<RPCPayload, RPCError>>
    /// The user-side handle, while anyone holds it (to redirect its pipelined capabilities).
    weak var ref: QuestionRef?
    var returned = false
    /// We sent Finish (every user reference to the question is gone).
    var finished = false
    /// Exports we counted for capabilities in the parameters, released by a Return whose
    /// `releaseParamCaps` is set.
    var paramExports: [UInt32] = []
    /// Pipeline paths on which calls went to the peer before the results came.
    var pipelinedPaths: Set<[UInt16]> = []
    /// Paths whose loopback embargo is over (or in progress, with its cell).
    var embargoes: [[UInt16]: PromiseCell<Void>] = [:]

    init(result: PromiseCell<Result<RPCPayload, RPCError>>) { self.result = result }
}

/// A call the peer made to us.
final class AnswerEntry {
    let result = PromiseCell<Result<RPCPayload, RPCError>>()
    var returned = false
    var finishReceived = false
    /// The Finish asked us to drop the results' capabilities once they are sent.
    var releaseResultsOnReturn = false
    /// The task running the call, until it returns.
    var task: Task<Void, Never>?
    /// The call, while it waits for its server's gate with no task (see ``CallGate``).
    var held: HeldCall?
    /// Exports counted for capabilities in our results.
    var resultExports: [UInt32] = []
    /// Calls pipelined on this answer before it was ready, in arrival order.
    var queued: [IncomingCall] = []
    /// The call had `sendResultsTo.yourself` (a tail call): the results stay here, whole,
    /// for the caller's `Return.takeFromOtherQuestion`, and the Return says
    /// `resultsSentElsewhere`.
    var resultsSentElsewhere = false
}

/// A pipelined call waiting for the answer it targets.
struct IncomingCall {
    var answerId: UInt32
    var path: [UInt16]
    var interfaceId: UInt64
    var methodId: UInt16
    var params: RPCPayload
}

/// A capability of ours the peer holds references to.
struct ExportEntry {
    let capability: Capability
    var referenceCount: UInt32
}

/// A capability of the peer's we hold.
struct ImportEntry {
    weak var ref: ImportRef?
    /// How many times the peer has sent it to us: the count a Release must return.
    var received: UInt32
    /// What a promise import resolved to (a Resolve message).
    var resolution: Capability?
    /// Calls went to the peer on this import (so a Resolve to a capability elsewhere needs
    /// an embargo).
    var callsSent = false
    /// Resolved once the Disembargo sent for the Resolve has come back.
    var embargo: PromiseCell<Void>?
}

/// The user-side handle of a question; when the last one goes, the question is finished.
final class QuestionRef: Sendable {
    let connection: RPCConnection
    let id: UInt32
    let result: PromiseCell<Result<RPCPayload, RPCError>>
    /// The pipelined capabilities made on this question, to redirect when it returns.
    private let pipelines = Mutex<[WeakCapability]>([])

    init(connection: RPCConnection, id: UInt32, result: PromiseCell<Result<RPCPayload, RPCError>>) {
        self.connection = connection
        self.id = id
        self.result = result
    }

    func register(_ capability: Capability) {
        pipelines.withLock { list in
            // Drop entries whose capability is gone, so a long-lived question's list stays short.
            if list.count >= 8, list.count.nonzeroBitCount == 1 { list.removeAll { $0.value == nil } }
            list.append(WeakCapability(value: capability))
        }
    }

    /// The live pipelined capabilities; the list is emptied (each is redirected at most once).
    func takePipelines() -> [Capability] {
        pipelines.withLock { list in
            defer { list = [] }
            return list.compactMap(\.value)
        }
    }

    deinit { connection.enqueue(.finishQuestion(id)) }
}

/// A pipelined capability, not kept alive by its question.
struct WeakCapability: Sendable {
    weak var value: Capability?
}

/// The user-side handle of an import; when the last one goes, the import is released.
final class ImportRef: Sendable {
    let connection: RPCConnection
    let id: UInt32

    init(connection: RPCConnection, id: UInt32) {
        self.connection = connection
        self.id = id
    }

    deinit { connection.enqueue(.releaseImport(id)) }
}
