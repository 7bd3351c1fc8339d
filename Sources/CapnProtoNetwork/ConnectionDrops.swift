// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Logging
import Metrics

/// Where a vat reports connections it drops for breaking a limit: a warning in the log and the
/// `capnp_net_connections_dropped_total` counter, labelled with the ``Reason``.
final class ConnectionDrops: Sendable {
    /// Why a connection was dropped (the counter's `reason` label).
    enum Reason: String, Sendable, CaseIterable {
        case bootstrapTimeout = "bootstrap_timeout"
        case frameTimeout = "frame_timeout"
        case tooManyConnections = "too_many_connections"
        case protocolError = "protocol_error"
        case tooManyCalls = "too_many_calls"
    }

    private let logger: Logger
    private let counters: [Reason: Counter]

    init(logger: Logger) {
        self.logger = logger
        var counters: [Reason: Counter] = [:]
        for reason in Reason.allCases {
            counters[reason] = Counter(
                label: "capnp_net_connections_dropped_total",
                dimensions: [("reason", reason.rawValue)]
            )
        }
        self.counters = counters
    }

    func record(_ reason: Reason, peer: String, error: RPCError) {
        logger.warning("Dropping connection from \(peer): \(error.reason)")
        counters[reason]?.increment()
    }

    /// Counts a connection the RPC engine aborted itself (it has logged the reason).
    func recordEngineAbort(_ error: RPCError) {
        let reason: Reason = error.reason.hasPrefix("too many calls") ? .tooManyCalls : .protocolError
        counters[reason]?.increment()
    }
}
