// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

/// The `Worker` capability the agent registers with: the scheduler pulls metrics through it
/// (the worker never listens on a port) and asks for rolling restarts.
final class WorkerService: Worker.Server {
    let agent: WorkerAgent

    init(agent: WorkerAgent) {
        self.agent = agent
    }

    func metrics(
        _ params: Worker.MetricsParams.Reader,
        _ results: Worker.MetricsResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        switch params.source {
        case .agent:
            results.contentType = WorkerMetrics.contentType
            results.data = agent.metrics.render() + agent.configuration.extraAgentMetrics()
        case .host:
            let (contentType, data) = try await fetch(agent.configuration.hostMetricsURL)
            results.contentType = contentType
            results.data = data
        case ._unknown:
            throw RPCError(.failed, "Unknown metrics source")
        }
    }

    func additionalMetric(
        _ params: Worker.AdditionalMetricParams.Reader,
        _ results: Worker.AdditionalMetricResults.Builder,
        _ call: ServerCall
    ) async throws {
        let metric = results.metric
        guard let url = agent.configuration.additionalMetrics[try params.source] else {
            metric.setNotReported()
            return
        }
        let (contentType, data) = try await fetch(url)
        let body = metric.initMetric()
        body.contentType = contentType
        body.data = data
    }

    /// Never answers: records the request, then waits until the connection drops, which it
    /// does when the worker exits after its last job. The scheduler takes that disconnect as
    /// success, as with ocluster (whose handler ends with `exit 1`).
    func selfUpdate(
        _ params: Worker.SelfUpdateParams.Reader,
        _ results: Worker.SelfUpdateResults.Builder,
        _ call: ServerCall
    ) async throws {
        do {
            try await agent.requestSelfUpdate()
        } catch {
            throw RPCError(.failed, "\(error)")
        }
        while true {
            try await Task.sleep(for: .seconds(3600))
        }
    }

    private func fetch(_ url: String) async throws -> (String, String) {
        do {
            return try await MetricsFetcher.fetch(url)
        } catch let error as WorkerError {
            throw RPCError(.failed, error.message)
        }
    }
}
