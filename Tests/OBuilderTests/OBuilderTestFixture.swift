// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Synchronization
import TestSupport
import Testing

@testable import OBuilder

/// A scratch OBuilder setup for one test: a base-image store holding `busybox` (made by
/// `scripts/make-base-image.sh`), a snapshot store, a runc sandbox and a builder, all under a
/// fresh directory. Creating it fails (so the test fails, not skips) when runc or busybox-static
/// is missing.
final class OBuilderTestFixture: Sendable {
    let root: String
    let images: BaseImageStore
    let store: SnapshotStore
    let sandbox: RuncSandbox
    let builder: OBuilderBuilder

    /// Runs `body` with a fresh fixture and removes it afterwards, whether `body` throws or not.
    static func run<R>(
        backend: SnapshotStore.Backend? = nil,
        _ body: (OBuilderTestFixture) async throws -> R
    ) async throws -> R {
        let fixture = try await OBuilderTestFixture(backend: backend)
        do {
            let result = try await body(fixture)
            await fixture.remove()
            return result
        } catch {
            await fixture.remove()
            throw error
        }
    }

    /// Runs `body` with a fresh fixture whose snapshot store is `store`, fetching `(from IMAGE)`
    /// images the base-image store lacks with `fetcher`.
    static func run<R>(
        store: StoreSpec,
        fetcher: (any ImageFetcher)? = nil,
        _ body: (OBuilderTestFixture) async throws -> R
    ) async throws -> R {
        let fixture = try await OBuilderTestFixture(store: store, fetcher: fetcher)
        do {
            let result = try await body(fixture)
            await fixture.remove()
            return result
        } catch {
            await fixture.remove()
            throw error
        }
    }

    init(
        backend: SnapshotStore.Backend? = nil,
        store spec: StoreSpec? = nil,
        fetcher: (any ImageFetcher)? = nil
    ) async throws {
        let base = FileManager.default.temporaryDirectory.path + "/obuilder-test-\(UUID().uuidString.prefix(8))"
        root = base
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try await Self.makeBaseImage(into: base + "/images")
        images = BaseImageStore(directory: base + "/images")
        if let spec {
            store = try await spec.open()
        } else {
            store = try await SnapshotStore(root: base + "/store", backend: backend)
        }
        sandbox = try await RuncSandbox(stateDirectory: base + "/sandbox")
        _ = try await sandbox.version()
        builder = OBuilderBuilder(
            store: store,
            sandbox: sandbox,
            baseImages: images,
            fetcher: fetcher,
            defaultShell: ["/bin/sh", "-c"]
        )
    }

    private static func makeBaseImage(into directory: String) async throws {
        let result = try await HelperCommand.run(["bash", Repository.scripts + "/make-base-image.sh", directory])
        guard result.status == 0 else {
            throw OBuilderError(.fileSystem, "make-base-image.sh failed: \(result.output)")
        }
    }

    /// Builds `spec` with `source` as the source directory, collecting the log.
    func build(
        _ spec: String,
        source: String? = nil,
        secrets: [String: String] = [:],
        log: LogCollector = LogCollector()
    ) async throws(OBuilderError) -> String {
        try await builder.build(
            specText: spec,
            sourceDirectory: source ?? root,
            secrets: secrets,
            log: { log.append($0) }
        )
    }

    /// Reads a file from a snapshot's root file system.
    func read(_ path: String, in id: String) async throws -> String? {
        try await store.withReadableRoot(of: id) { root in OBuilderFileSystem.readText(root + path) }
    }

    /// Entries left in the store's scratch directory (should be none between builds).
    func scratchEntries() throws -> [String] {
        try OBuilderFileSystem.listDirectory(store.root + "/tmp")
    }

    /// Processes whose command line contains `marker`.
    static func processes(containing marker: String) -> [String] {
        guard let entries = try? OBuilderFileSystem.listDirectory("/proc") else { return [] }
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let bytes = OBuilderFileSystem.readFile("/proc/\(pid)/cmdline") else { return nil }
            let text = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return text.contains(marker) ? "\(pid): \(text)" : nil
        }
    }

    func remove() async {
        for mountPoint in OverlayMount.mounts(under: root) { OverlayMount.unmount(mountPoint) }
        try? await OBuilderFileSystem.removeTree(root)
    }
}

/// Collects log events from any thread.
final class LogCollector: Sendable {
    private let events = Mutex<[OBuilderLogEvent]>([])

    func append(_ event: OBuilderLogEvent) { events.withLock { $0.append(event) } }

    var all: [OBuilderLogEvent] { events.withLock { $0 } }
    var output: [String] {
        all.compactMap { if case .output(let line) = $0 { line } else { nil } }
    }
    var notes: [String] {
        all.compactMap { if case .note(let text) = $0 { text } else { nil } }
    }
    var headings: [String] {
        all.compactMap { if case .heading(let text) = $0 { text } else { nil } }
    }
}
