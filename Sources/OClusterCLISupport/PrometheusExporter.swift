// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Metrics
import Prometheus

/// The process's Prometheus registry, installed as the swift-metrics backend.
public struct PrometheusExporter: Sendable {
    /// The registry every metric lands in.
    public let registry: PrometheusCollectorRegistry
    private let process: ProcessMetrics

    /// The content type of ``render()``'s output (exposition format 0.0.4).
    public static let contentType = "text/plain; version=0.0.4"

    /// Makes a registry and bootstraps `MetricsSystem` with it. Call once per process.
    public static func bootstrap() -> PrometheusExporter {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return PrometheusExporter(registry: registry, process: ProcessMetrics(registry: registry))
    }

    /// Every metric in the text exposition format, the process's figures read just now.
    public func render() -> [UInt8] {
        process.update()
        return registry.emitToBuffer()
    }
}
