// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What a user handle being destroyed asks its connection to do.
enum HandleRelease: Sendable {
    /// An ``ImportRef`` went: send Release.
    case releaseImport(UInt32)
    /// A ``QuestionRef`` went: send Finish.
    case finishQuestion(UInt32)
}

extension RPCConnection {
    /// Queues a release or finish from a handle's `deinit` (see ``DeinitQueue``).
    nonisolated func enqueue(_ item: HandleRelease) {
        guard releaseQueue.push(item) else { return }
        // On the engine's own thread a queued closure does it, with no task to start and no wake-up.
        home.enqueue(on: self) { $0.drainReleases() }
    }

    /// Sends the queued Release and Finish messages. Also run before each outgoing call, so that the
    /// Finish of the call before goes out in the same write as the next call.
    func drainReleases() {
        releaseQueue.drain { item in
            switch item {
            case .releaseImport(let id): releaseImport(id)
            case .finishQuestion(let id): finish(question: id)
            }
        }
    }
}
