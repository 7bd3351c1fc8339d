// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Metrics

/// capnp-rpc-net's connection metrics (`Endpoint.Metrics`), under its names and types, so that
/// dashboards made for ocluster work: made when the first network is, so they read 0 before
/// their first event, as OCaml's do from start-up.
struct NetworkMetrics: Sendable {
    /// `capnp_net_connections`: live connections (a gauge).
    let connections: Meter
    /// `capnp_net_messages_inbound_received_total`.
    let received: Counter
    /// `capnp_net_messages_outbound_enqueued_total`.
    let enqueued: Counter

    /// The process's metrics, made on first use (after the metrics backend is bootstrapped).
    static let shared = NetworkMetrics()

    private init() {
        connections = Meter(label: "capnp_net_connections")
        received = Counter(label: "capnp_net_messages_inbound_received_total")
        enqueued = Counter(label: "capnp_net_messages_outbound_enqueued_total")
        connections.set(0)
        received.increment(by: 0)
        enqueued.increment(by: 0)
    }

    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }
    func messageReceived() { received.increment() }
    func messageEnqueued() { enqueued.increment() }
}
