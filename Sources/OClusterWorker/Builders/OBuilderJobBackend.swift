// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import OBuilder
import OClusterAPI
import Synchronization

/// Runs OBuilder jobs for the agent with ``OBuilderBuilder``: a snapshot store, a runc sandbox
/// and a local base-image directory.
///
/// Translates between the two worlds: the job's ``CancelSwitch`` cancels the build task,
/// builder log events become job log lines (ocluster's colours), and ``OBuilderError``s become
/// ``WorkerError``s whose message (with the spec position, for a bad spec) is what the user sees.
/// Before each build the store is pruned if its free space is under the threshold (ocluster's
/// `--obuilder-prune-threshold`/`--obuilder-prune-limit`); builds wait while that happens.
public final class OBuilderJobBackend: OBuilderBackend {
    public let builder: OBuilderBuilder
    /// Prune when the store's free space falls below this percentage.
    public let pruneThreshold: Double
    /// Snapshots deleted per prune.
    public let pruneLimit: Int
    /// The base image the health check builds from.
    public let healthcheckImage: String
    let metrics: WorkerMetrics?
    private let pruning = AsyncLock()

    public init(
        builder: OBuilderBuilder,
        pruneThreshold: Double = 30,
        pruneLimit: Int = 100,
        healthcheckImage: String = "busybox",
        metrics: WorkerMetrics? = nil
    ) {
        self.builder = builder
        self.pruneThreshold = pruneThreshold
        self.pruneLimit = pruneLimit
        self.healthcheckImage = healthcheckImage
        self.metrics = metrics
    }

    /// Opens the store named by an `--obuilder-store` value.
    ///
    /// - Parameters:
    ///   - store: `overlayfs:/path` (overlay layers) or `rsync:/path` (full copies); ocluster's
    ///     `btrfs:`, `zfs:`, `xfs:`, `qemu:` and `docker:` stores are not available here.
    ///   - sandboxDirectory: runc state and bundles.
    ///   - baseImages: the directory `(from NAME)` images are read from.
    /// - Throws: ``WorkerError/Code/invalidRequest`` for an unsupported store, or the store's
    ///   and sandbox's errors as ``WorkerError/Code/buildFailed``.
    public static func open(
        store: String,
        sandboxDirectory: String,
        baseImages: String,
        pruneThreshold: Double = 30,
        pruneLimit: Int = 100,
        metrics: WorkerMetrics? = nil
    ) async throws -> OBuilderJobBackend {
        guard let colon = store.firstIndex(of: ":") else {
            throw WorkerError(
                .invalidRequest,
                "Store \"\(store)\" should be KIND:PATH (overlayfs:/path or rsync:/path)"
            )
        }
        let kind = store[..<colon]
        let path = String(store[store.index(after: colon)...])
        let backend: SnapshotStore.Backend
        switch kind {
        case "overlayfs": backend = .overlay
        case "rsync": backend = .copy
        default:
            throw WorkerError(
                .invalidRequest,
                "Store kind \"\(kind)\" is not supported here; use overlayfs:/path or rsync:/path"
            )
        }
        do {
            let snapshots = try await SnapshotStore(root: path, backend: backend)
            let sandbox = try await RuncSandbox(stateDirectory: sandboxDirectory)
            _ = try await sandbox.version()
            let builder = OBuilderBuilder(
                store: snapshots,
                sandbox: sandbox,
                baseImages: BaseImageStore(directory: baseImages)
            )
            return OBuilderJobBackend(
                builder: builder,
                pruneThreshold: pruneThreshold,
                pruneLimit: pruneLimit,
                metrics: metrics
            )
        } catch {
            throw WorkerError(.buildFailed, "Cannot open the OBuilder store \(store): \(error)")
        }
    }

    public func build(
        spec: String,
        in directory: String,
        secrets: [JobSpec.Secret],
        log: LogData,
        cancel: CancelSwitch
    ) async throws -> String {
        try await pruneIfNeeded()
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
            throw WorkerError(.buildFailed, "\(error)")
        }
    }

    public func healthcheck() async throws {
        do {
            try await builder.healthcheck(baseImage: healthcheckImage)
        } catch {
            throw WorkerError(.buildFailed, "OBuilder health check failed: \(error)")
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

    private func pruneIfNeeded() async throws {
        try await pruning.withLock {
            let store = builder.store
            do {
                _ = try await store.pruneIfNeeded(minimumFreePercent: pruneThreshold, limit: pruneLimit)
            } catch {
                throw WorkerError(.buildFailed, "Pruning the OBuilder store failed: \(error)")
            }
        }
    }

    private func updateMetrics() async {
        guard let metrics else { return }
        let store = builder.store
        metrics.setCacheStats(hits: await store.cacheHits, misses: await store.cacheMisses)
        metrics.setOBuilderSpaceFree(await store.freeSpacePercent())
    }
}
