// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import OClusterAPI

/// The `Worker` object a simulated worker registers with; the benchmark never calls it.
struct SimulatedWorkerService: Worker.Server {
    func metrics(
        _ params: Worker.MetricsParams.Reader,
        _ results: Worker.MetricsResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        throw RPCError(.unimplemented, "a simulated worker has no metrics")
    }

    func additionalMetric(
        _ params: Worker.AdditionalMetricParams.Reader,
        _ results: Worker.AdditionalMetricResults.Builder,
        _ call: ServerCall
    ) async throws {
        throw RPCError(.unimplemented, "a simulated worker has no metrics")
    }

    func selfUpdate(
        _ params: Worker.SelfUpdateParams.Reader,
        _ results: Worker.SelfUpdateResults.Builder,
        _ call: ServerCall
    ) async throws {
        throw RPCError(.unimplemented, "a simulated worker does not update itself")
    }
}
