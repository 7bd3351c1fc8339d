// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OBuilder

/// What `ocluster-obuilder` does, with obuilder's own CLI output (`main.ml`): build a spec
/// against a store on this machine, run the self-test, delete or clean cached results.
/// The store is opened exactly as the worker opens `--obuilder-store`.
public struct OBuilderTool: Sendable {
    public let backend: OBuilderJobBackend

    public init(backend: OBuilderJobBackend) { self.backend = backend }

    /// Builds `spec`, writing the log to `output` as obuilder does on a terminal, and returns the
    /// id of the result.
    public func build(
        spec: String,
        sourceDirectory: String,
        secrets: [String: String],
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> String {
        try await backend.builder.build(specText: spec, sourceDirectory: sourceDirectory, secrets: secrets) {
            output(Self.terminalText($0))
        }
    }

    /// An event as obuilder's CLI prints it: headings and notes on lines of their own, output as is.
    public static func terminalText(_ event: OBuilderLogEvent) -> String {
        switch event {
        case .heading(let text), .note(let text): text + "\n"
        case .output(let line): line + "\n"
        }
    }

    /// Deletes `id` and everything built on it, reporting each removed id.
    public func delete(_ id: String, removed: (String) -> Void) async throws(OBuilderError) {
        let store = backend.builder.store
        let before = Set(await store.snapshotIDs())
        try await store.delete(id)
        for gone in before.subtracting(await store.snapshotIDs()).sorted() { removed(gone) }
    }

    /// Deletes every cached result not in use, reporting each; returns how many went.
    public func clean(removed: (String) -> Void) async throws(OBuilderError) -> Int {
        let store = backend.builder.store
        let before = Set(await store.snapshotIDs())
        try await store.prune(before: Double(Int64.max), limit: Int.max)
        let gone = before.subtracting(await store.snapshotIDs()).sorted()
        for id in gone { removed(id) }
        return gone.count
    }
}
