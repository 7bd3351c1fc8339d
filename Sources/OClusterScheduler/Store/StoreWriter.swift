// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Dispatch
import Synchronization

/// The thread that writes `scheduler.db`: the scheduler hands it transactions (``StoreWrite``) and goes on
/// serving, so a slow, full or frozen disk holds up only the callers waiting for a commit, never the event
/// loop (TLS handshakes, `show`, submissions, pops).
///
/// Transactions run one at a time in the order given, each on the store's single write connection.
final class StoreWriter: Sendable {
    /// Lets the caller of a write give up on it: a write still queued is then skipped, one running is rolled
    /// back unless it has reached its commit already.
    final class Ticket: Sendable {
        private let abandoned = Atomic(false)

        /// Whether the caller gave up.
        var isAbandoned: Bool { abandoned.load(ordering: .acquiring) }

        /// Gives up on the write.
        func abandon() { abandoned.store(true, ordering: .releasing) }
    }

    let store: SchedulerStore
    private let queue = DispatchQueue(label: "ocluster.scheduler.db-writer", qos: .userInitiated)

    init(store: SchedulerStore) {
        self.store = store
    }

    /// Runs `change` on the writer thread, then calls `completion` there with the outcome.
    func enqueue(
        _ change: StoreWrite,
        ticket: Ticket? = nil,
        completion: @escaping @Sendable (Result<Void, SchedulerStoreError>) -> Void
    ) {
        queue.async { [store] in
            if let ticket, ticket.isAbandoned {
                completion(.failure(SchedulerStoreError(.timeout, "\(change.context): abandoned before it started")))
                return
            }
            let result: Result<Void, SchedulerStoreError>
            do throws(SchedulerStoreError) {
                try store.perform(change, ticket: ticket)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            completion(result)
        }
    }

    /// Keeps the writer thread busy until `released` is signalled, as a disk that does not answer would (tests).
    func hold(until released: DispatchSemaphore) {
        queue.async { released.wait() }
    }

    /// Returns once every write enqueued before has finished.
    func barrier() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }
}
