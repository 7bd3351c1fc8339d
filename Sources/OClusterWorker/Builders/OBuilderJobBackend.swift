// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import OBuilder
import OClusterAPI
import Synchronization

/// Runs OBuilder jobs for the agent with ``OBuilderBuilder``: a snapshot store, a runc sandbox
/// and a local base-image directory.
///
/// Translates between the two worlds: the job's ``CancelSwitch`` cancels the build task,
/// builder log events become job log lines (ocluster's colours), and ``OBuilderError``s become
/// ``WorkerError``s whose message (with the spec position, for a bad spec) is what the user sees.
/// An ``OBuilderPruner`` keeps the store's free space above ocluster's `--obuilder-prune-threshold`
/// (pruning `--obuilder-prune-limit` items a round) once ``startPruning()`` is called; builds wait
/// while it prunes.
public final class OBuilderJobBackend: OBuilderBackend {
    public let builder: OBuilderBuilder
    /// Prune when the store's free space falls below this percentage.
    public let pruneThreshold: Double
    /// Snapshots deleted per prune.
    public let pruneLimit: Int
    /// The base image the health check builds from.
    public let healthcheckImage: String
    let metrics: WorkerMetrics?
    /// The background pruning loop.
    public let pruner: OBuilderPruner

    public init(
        builder: OBuilderBuilder,
        pruneThreshold: Double = 30,
        pruneLimit: Int = 100,
        healthcheckImage: String = "busybox",
        pruneInterval: Duration = .seconds(30),
        metrics: WorkerMetrics? = nil
    ) {
        self.builder = builder
        self.pruneThreshold = pruneThreshold
        self.pruneLimit = pruneLimit
        self.healthcheckImage = healthcheckImage
        self.metrics = metrics
        pruner = OBuilderPruner(
            store: builder.store,
            threshold: pruneThreshold,
            limit: pruneLimit,
            interval: pruneInterval,
            metrics: metrics
        )
    }

    /// Starts the background pruning loop (ocluster starts it once the self-test has passed).
    public func startPruning() { pruner.start() }

    /// Opens the store named by an `--obuilder-store` value.
    ///
    /// - Parameters:
    ///   - store: as ``StoreSpec`` parses it (`btrfs:/path`, `zfs:pool`, `rsync:/path`,
    ///     `xfs:/path`, `overlayfs:/path`, `docker:path`; `qemu:` and `hcs:` are refused).
    ///   - rsyncMode: `--rsync-mode`, required with (and only with) an `rsync:` store.
    ///   - sandboxDirectory: runc state and bundles (the Docker sandbox's secret files).
    ///   - sandboxOptions: `--fast-sync` and per-step limits (runc).
    ///   - dockerOptions: `--docker-cpus`, `--docker-memory`, `--docker-isolation` and
    ///     `--docker-network`, for a `docker:` store, whose steps run as containers.
    ///   - baseImages: the directory `(from NAME)` images are read from first.
    ///   - fetcher: fetches the `(from IMAGE)` images that `baseImages` does not hold.
    /// - Throws: ``WorkerErrorCode/invalidRequest`` for an unsupported store, or the store's
    ///   and sandbox's errors as ``WorkerErrorCode/buildFailed``.
    public static func open(
        store: String,
        rsyncMode: String? = nil,
        sandboxDirectory: String,
        sandboxOptions: RuncOptions = RuncOptions(),
        dockerOptions: DockerSandboxOptions = DockerSandboxOptions(),
        baseImages: String,
        fetcher: (any ImageFetcher)? = nil,
        pruneThreshold: Double = 30,
        pruneLimit: Int = 100,
        metrics: WorkerMetrics? = nil
    ) async throws -> OBuilderJobBackend {
        let spec: StoreSpec
        do {
            spec = try StoreSpec.parse(store, rsyncMode: rsyncMode)
        } catch {
            throw WorkerError(.invalidRequest, error.message)
        }
        do {
            let snapshots = try await spec.open()
            let sandbox: any Sandbox
            if let docker = snapshots.backend as? DockerSnapshotBackend {
                let containers = try await DockerSandbox(
                    stateDirectory: sandboxDirectory,
                    docker: docker.docker,
                    options: dockerOptions
                )
                _ = try await containers.version()
                sandbox = containers
            } else {
                let runc = try await RuncSandbox(stateDirectory: sandboxDirectory, options: sandboxOptions)
                _ = try await runc.version()
                sandbox = runc
            }
            let builder = OBuilderBuilder(
                store: snapshots,
                sandbox: sandbox,
                baseImages: BaseImageStore(directory: baseImages),
                fetcher: fetcher
            )
            return OBuilderJobBackend(
                builder: builder,
                pruneThreshold: pruneThreshold,
                pruneLimit: pruneLimit,
                metrics: metrics
            )
        } catch {
            throw WorkerError(.buildFailed, "Cannot open the OBuilder store \(store): \(error)", cause: error)
        }
    }

    public func build(
        spec: String,
        in directory: String,
        secrets: [JobSpec.Secret],
        log: LogData,
        cancel: CancelSwitch
    ) async throws -> String {
        await pruner.waitWhilePruning()
        try cancel.check()
        let builder = builder
        var values: [String: String] = [:]
        for secret in secrets { values[secret.id] = secret.value }
        let secretValues = values
        // Unstructured so the job's switch (turned off from any thread) can cancel it.
        let task = Task { () async throws(OBuilderError) -> String in
            try await builder.build(specText: spec, sourceDirectory: directory, secrets: secretValues) { event in
                log.write(event.formatted)
            }
        }
        let hook = cancel.onTurnOff { task.cancel() }
        defer { cancel.remove(hook) }
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        await updateMetrics()
        switch result {
        case .success(let id):
            return id
        case .failure(let error as OBuilderError):
            throw Self.workerError(error, cancelled: !cancel.isOn)
        case .failure(let error):
            throw WorkerError(.buildFailed, "\(error)", cause: error)
        }
    }

    public func healthcheck() async throws {
        do {
            try await builder.healthcheck(baseImage: healthcheckImage)
        } catch {
            throw WorkerError(.buildFailed, "OBuilder health check failed: \(error)", cause: error)
        }
    }

    /// An OBuilder failure as the job reports it.
    static func workerError(_ error: OBuilderError, cancelled: Bool) -> WorkerError {
        if cancelled || error.code == .cancelled { return WorkerError(.cancelled, "Job cancelled") }
        switch error.code {
        case .syntax, .invalidSpec, .unknownBaseImage, .missingSecret, .invalidCopy:
            return WorkerError(.invalidRequest, error.description)
        default:
            return WorkerError(.buildFailed, error.description)
        }
    }

    private func updateMetrics() async {
        guard let metrics else { return }
        let store = builder.store
        metrics.setCacheStats(hits: await store.cacheHits, misses: await store.cacheMisses)
    }
}
