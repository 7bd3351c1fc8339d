// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Metrics
import Synchronization

/// Where a ``Connection``'s builds are before a worker takes them, as the gauge
/// `ocluster_ocurrent_queue_state{state}` that ocluster's OCurrent plugin exports (same name,
/// same states), summed over every connection in the process.
public enum QueueState: String, Sendable, CaseIterable {
    /// Waiting for a connection to the scheduler.
    case connect
    /// Waiting for a free slot under ``Connection/maxPipeline``.
    case rateLimit = "rate-limit"
    /// Submitted; waiting for the scheduler to answer with a ticket.
    case getTicket = "get-ticket"
    /// Queued at the scheduler; waiting for a worker to take it.
    case getWorker = "get-worker"

    /// How many builds in this process are in this state now: the gauge's value.
    public var count: Int { QueueStateGauges.count(self) }
}

/// The process-wide counts behind the gauges.
enum QueueStateGauges {
    private static let counts = Mutex<[QueueState: Int]>([:])

    /// How many builds are in `state` now.
    static func count(_ state: QueueState) -> Int { counts.withLock { $0[state, default: 0] } }

    static func enter(_ state: QueueState) { change(state, by: 1) }
    static func leave(_ state: QueueState) { change(state, by: -1) }

    private static func change(_ state: QueueState, by delta: Int) {
        let value = counts.withLock { counts in
            counts[state, default: 0] += delta
            return counts[state, default: 0]
        }
        Gauge(label: "ocluster_ocurrent_queue_state", dimensions: [("state", state.rawValue)]).record(value)
    }
}
