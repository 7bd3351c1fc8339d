// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Runs OBuilder specs: resolves `(from …)` from a ``BaseImageStore`` or, failing that, with an
/// ``ImageFetcher`` from a registry, runs each `run` step in a
/// ``Sandbox`` (``RuncSandbox``) and each `copy` through `tar` in the sandbox, keeping every step's result as
/// a snapshot in a ``SnapshotStore`` so that unchanged steps are served from the cache.
///
/// Snapshot ids are SHA-256 hashes of a canonical S-expression of the step's inputs:
/// for `run`, the parent snapshot, workdir, user, environment, command, shell, network and the
/// secrets' targets and value hashes; for `copy`, the parent snapshot, user, destination and the
/// manifest of the copied files (names, content hashes, executable bits, symlink targets).
/// Caches do not affect ids, as in OBuilder.
///
/// Cancelling the calling task stops the running step (killing its container) and throws
/// ``OBuilderError/Code/cancelled``; the unfinished step leaves no snapshot.
public struct OBuilderBuilder: Sendable {
    public let store: SnapshotStore
    public let sandbox: any Sandbox
    public let baseImages: BaseImageStore
    /// Fetches `(from IMAGE)` images that ``baseImages`` does not hold; nil to use only those.
    public let fetcher: (any ImageFetcher)?
    /// The shell `run` uses until a spec sets one (OBuilder's runc default is `bash -c`).
    public let defaultShell: [String]

    public init(
        store: SnapshotStore,
        sandbox: any Sandbox,
        baseImages: BaseImageStore,
        fetcher: (any ImageFetcher)? = nil,
        defaultShell: [String] = ["/usr/bin/env", "bash", "-c"]
    ) {
        self.store = store
        self.sandbox = sandbox
        self.baseImages = baseImages
        self.fetcher = fetcher
        self.defaultShell = defaultShell
    }

    /// Parses `specText` and builds it (see ``build(_:sourceDirectory:secrets:log:)``).
    /// A malformed spec is refused before anything runs, with the error's position.
    public func build(
        specText: String,
        sourceDirectory: String,
        secrets: [String: String] = [:],
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) -> String {
        let spec = try OBuilderSpec.parse(specText)
        return try await build(spec, sourceDirectory: sourceDirectory, secrets: secrets, log: log)
    }

    /// Builds `spec`, copying `(copy …)` sources from `sourceDirectory`, and returns the id of
    /// the final snapshot. Log events are delivered as they happen, from any thread.
    public func build(
        _ spec: OBuilderSpec,
        sourceDirectory: String,
        secrets: [String: String] = [:],
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) -> String {
        let context = BuildContext(shell: defaultShell, sourceDirectory: sourceDirectory, secrets: secrets, log: log)
        do throws(OBuilderError) {
            let id = try await build(spec, context: context)
            await store.release(context.lease)
            return id
        } catch {
            await store.release(context.lease)
            throw error
        }
    }

    /// OBuilder's health check: builds `(from BASE) (shell /bin/sh -c) (run (shell "echo healthcheck"))`
    /// and deletes the result.
    public func healthcheck(baseImage: String = "busybox") async throws(OBuilderError) {
        let spec = OBuilderSpec(
            from: baseImage,
            operations: [.shell(["/bin/sh", "-c"]), .run(OBuilderSpec.Run(shell: "echo healthcheck"))]
        )
        let id = try await build(spec, sourceDirectory: "/var/empty") { _ in }
        try await store.delete(id)
    }

    private func build(_ spec: OBuilderSpec, context: BuildContext) async throws(OBuilderError) -> String {
        var context = context
        for child in spec.childBuilds {
            context.log(.heading("(build \"\(child.name)\" …)"))
            let id = try await build(child.spec, context: context)
            context.log(.note("--> finished \"\(child.name)\""))
            context.scope[child.name] = id
        }
        var base = try await baseSnapshot(spec.from, context: context)
        for line in await store.environment(of: base) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<equals])
            if !context.environment.contains(where: { $0.name == name }) {
                context.environment.append((name, String(line[line.index(after: equals)...])))
            }
        }
        for operation in spec.operations {
            if Task.isCancelled { throw OBuilderError(.cancelled, "cancelled") }
            context.log(.heading("\(context.workdir): \(operation)"))
            switch operation {
            case .comment: break
            case .workdir(let path): context.changeDirectory(path)
            case .user(let user): context.user = user
            case .env(let name, let value): context.setEnvironment(name, value)
            case .shell(let shell): context.shell = shell
            case .run(let run): base = try await runStep(run, base: base, context: context)
            case .copy(let copy): base = try await copyStep(copy, base: base, context: context)
            }
        }
        return base
    }

    /// The user namespace the sandbox runs steps in, if any: snapshots and caches then belong to
    /// its host range.
    var userNamespace: UserNamespace? { (sandbox as? RuncSandbox)?.options.userNamespace }

    /// The host ids of the user `ids` in the sandbox.
    func hostIDs(_ ids: (uid: UInt32, gid: UInt32)) -> (uid: UInt32, gid: UInt32) {
        guard let users = userNamespace else { return ids }
        return (users.uidStart + ids.uid, users.gidStart + ids.gid)
    }

    private func baseSnapshot(_ name: String, context: BuildContext) async throws(OBuilderError) -> String {
        let log = context.log
        log(.heading("(from \(SExpression.quoted(name)))"))
        let image: BaseImageStore.Image
        do throws(OBuilderError) {
            image = try baseImages.image(named: name)
        } catch {
            guard let fetcher else { throw error }
            return try await fetchedBase(name, fetcher: fetcher, context: context)
        }
        let users = userNamespace
        let key = baseKey([
            SExpression.list([.atom("from"), .atom(name)]), .list([.atom("content"), .atom(image.contentID)]),
        ])
        let id = SHA256Hasher.hex(key.description)
        let origin = try await store.build(
            id: id,
            parent: nil,
            environment: image.environment,
            lease: context.lease
        ) {
            (step) throws(OBuilderError) in
            try await OBuilderFileSystem.copyTree(image.rootfs + "/.", to: step.rootfs)
            if let users { try OwnershipShift.shift(step.rootfs, into: users) }
        }
        await report(origin, id: id, log: log)
        return id
    }

    /// A base snapshot's key: `fields`, plus the user namespace's range when there is one, since the
    /// same image shifted into that range is another snapshot.
    func baseKey(_ fields: [SExpression]) -> SExpression {
        guard let users = userNamespace else { return .list(fields) }
        let range = [users.uidStart, users.gidStart, users.count].map { SExpression.atom(String($0)) }
        return .list(fields + [.list([.atom("userns")] + range)])
    }

    /// Logs `---> saved as "ID"`, or replays the saved log and logs `---> using "ID" from cache`.
    func report(_ origin: SnapshotStore.Origin, id: String, log: @Sendable (OBuilderLogEvent) -> Void) async {
        switch origin {
        case .built:
            log(.note("---> saved as \"\(id)\""))
        case .cached:
            for line in await store.log(of: id) { log(.output(line)) }
            log(.note("---> using \"\(id)\" from cache"))
        }
    }
}
