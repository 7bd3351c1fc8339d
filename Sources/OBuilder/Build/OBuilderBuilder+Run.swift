// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension OBuilderBuilder {
    /// A `(run …)` step: the snapshot of `base` after running the command.
    func runStep(_ run: OBuilderSpec.Run, base: String, context: BuildContext) async throws(OBuilderError) -> String {
        var secrets: [SandboxConfig.SecretFile] = []
        for secret in run.secrets {
            guard let value = context.secrets[secret.id] else {
                throw OBuilderError(.missingSecret, "Couldn't find value for requested secret '\(secret.id)'")
            }
            secrets.append(SandboxConfig.SecretFile(target: secret.target, value: value))
        }
        let ids = try context.unixIDs()
        let key = SExpression.list([
            .list([.atom("base"), .atom(base)]),
            .list([.atom("workdir"), .atom(context.workdir)]),
            .list([.atom("user"), context.userExpression]),
            .list([.atom("env"), .list(context.environment.map { .list([.atom($0.name), .atom($0.value)]) })]),
            .list([.atom("cmd"), .atom(run.shell)]),
            .list([.atom("shell"), .list(context.shell.map(SExpression.atom))]),
            .list([.atom("network"), .list(run.network.map(SExpression.atom))]),
            .list([
                .atom("mount_secrets"),
                .list(
                    secrets.map {
                        .list([.atom($0.target), .atom(SHA256Hasher.hex($0.value))])
                    }
                ),
            ]),
        ])
        let id = SHA256Hasher.hex(key.description)
        let config = SandboxConfig(
            arguments: context.shell + [run.shell],
            workingDirectory: context.workdir,
            environment: context.environmentStrings,
            uid: ids.uid,
            gid: ids.gid,
            network: run.network,
            secrets: secrets
        )
        let sandbox = self.sandbox
        let store = self.store
        let log = context.log
        // A new cache belongs to the step's user as the host sees it.
        let hostIDs = self.hostIDs(ids)
        let origin = try await store.build(id: id, parent: base, lease: context.lease) { (step) throws(OBuilderError) in
            let stepLog = StepLog(file: step.logFile, log: log)
            defer { stepLog.close() }
            try await Self.withCaches(run.cache[...], store: store, ids: hostIDs, mounts: []) {
                (mounts) throws(OBuilderError) in
                var config = config
                config.mounts = mounts
                let status = try await sandbox.run(config, rootfs: step.rootfs) { line in stepLog.line(line) }
                guard status == 0 else {
                    let command = config.arguments.map { "\"\($0)\"" }.joined(separator: " ")
                    throw OBuilderError(
                        .stepFailed,
                        "\(command) failed with exit status \(status)",
                        exitCode: status
                    )
                }
            }
        }
        await report(origin, id: id, log: log)
        return id
    }

    /// Mounts each cache in turn (a private copy per step), then runs `body` with all of them.
    private static func withCaches(
        _ caches: ArraySlice<OBuilderSpec.Mount>,
        store: SnapshotStore,
        ids: (uid: UInt32, gid: UInt32),
        mounts: [SandboxConfig.BindMount],
        _ body: @Sendable ([SandboxConfig.BindMount]) async throws(OBuilderError) -> Void
    ) async throws(OBuilderError) {
        guard let cache = caches.first else { return try await body(mounts) }
        try await store.withCache(cache.id, uid: ids.uid, gid: ids.gid) { (path) throws(OBuilderError) in
            let mount = SandboxConfig.BindMount(source: path, target: cache.target)
            try await withCaches(caches.dropFirst(), store: store, ids: ids, mounts: mounts + [mount], body)
        }
    }
}
