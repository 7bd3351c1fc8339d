// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

extension OBuilderBuilder {
    /// A `(copy …)` step: the snapshot of `base` with the files added by `tar -xf -` run in the
    /// sandbox as root, fed a tar stream whose entries belong to the context's user.
    func copyStep(_ copy: OBuilderSpec.Copy, base: String, context: BuildContext) async throws(OBuilderError) -> String
    {
        switch copy.from {
        case .context:
            return try await copyStep(copy, from: context.sourceDirectory, base: base, context: context)
        case .build(let name):
            guard let stage = context.scope[name] else {
                throw OBuilderError(.invalidSpec, "Unknown build \"\(name)\"")
            }
            return try await store.withReadableRoot(of: stage) { (root) throws(OBuilderError) in
                try await copyStep(copy, from: root, base: base, context: context)
            }
        }
    }

    private func copyStep(
        _ copy: OBuilderSpec.Copy,
        from directory: String,
        base: String,
        context: BuildContext
    ) async throws(OBuilderError) -> String {
        let manifests = try copy.src.map { (source) throws(OBuilderError) in
            try CopyManifest.generate(source: source, in: directory, exclude: copy.exclude)
        }
        let destination = BuildContext.resolve(copy.dst, in: context.workdir)
        let intoDirectory = copy.dst.hasSuffix("/")
        guard !manifests.isEmpty else { throw OBuilderError(.invalidCopy, "No source items for copy!") }
        guard intoDirectory || manifests.count == 1 else {
            throw OBuilderError(.invalidCopy, "When copying multiple items, the destination must end with '/'")
        }
        let ids = try context.unixIDs()
        let operation = SExpression.list([
            .atom(intoDirectory ? "copy_items" : "copy_item"), .list(manifests.map(\.expression)), .atom(destination),
        ])
        let key = SExpression.list([
            .list([.atom("base"), .atom(base)]),
            .list([.atom("user"), context.userExpression]),
            .list([.atom("op"), operation]),
        ])
        let id = SHA256Hasher.hex(key.description)
        let sandbox = self.sandbox
        let log = context.log
        let origin = try await store.build(id: id, parent: base, lease: context.lease) { (step) throws(OBuilderError) in
            let stepLog = StepLog(file: step.logFile, log: log)
            defer { stepLog.close() }
            let sendError = Mutex<OBuilderError?>(nil)
            let config = SandboxConfig(arguments: ["tar", "-xf", "-"], environment: ["PATH=/bin:/usr/bin"])
            let status = try await sandbox.run(
                config,
                rootfs: step.rootfs,
                stdin: { socket in
                    let writer = TarWriter(socket: socket, uid: Int(ids.uid), gid: Int(ids.gid))
                    do throws(OBuilderError) {
                        if intoDirectory {
                            try writer.sendItems(manifests, from: directory, to: destination)
                        } else {
                            try writer.sendItem(manifests[0], from: directory, to: destination)
                        }
                    } catch {
                        sendError.withLock { $0 = error }
                    }
                },
                output: { line in stepLog.line(line) }
            )
            if let error = sendError.withLock({ $0 }), error.code != .sandbox || status == 0 { throw error }
            guard status == 0 else {
                throw OBuilderError(.stepFailed, "tar failed with exit status \(status)", exitCode: status)
            }
        }
        await report(origin, id: id, log: log)
        return id
    }
}
