// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OBuilder
import OClusterWorker

/// The OBuilder backend for `--obuilder-store`, or `nil` without one (a Docker-only worker;
/// ocluster at HEAD effectively requires a store, this port keeps it optional).
func makeOBuilderBackend(
    _ options: OBuilderOptions,
    sandbox: RuncOptions,
    docker: DockerSandboxOptions,
    fetcher: any ImageFetcher,
    stateDir: String,
    metrics: WorkerMetrics
) async throws
    -> (any OBuilderBackend)?
{
    guard let store = options.store, let (_, path) = try options.storeSpec() else { return nil }
    let backend = try await OBuilderJobBackend.open(
        store: store,
        rsyncMode: options.rsyncMode,
        sandboxDirectory: stateDir + "/obuilder-sandbox",
        sandboxOptions: sandbox,
        dockerOptions: docker,
        baseImages: options.baseImages ?? path + "/base-images",
        fetcher: fetcher,
        pruneThreshold: options.pruneThreshold,
        pruneLimit: options.pruneLimit,
        metrics: metrics
    )
    // ocluster refuses to start when OBuilder's self-test fails.
    try await backend.healthcheck()
    backend.startPruning()
    return backend
}
