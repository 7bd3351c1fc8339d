// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// Builds that share the store: concurrency, pruning while building, both store backends.
@Suite(.serialized) struct OBuilderCachingTests {
    @Test func concurrentIdenticalBuildsRunEachStepOnce() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let spec = OBuilderBuildTests.multiStep
            async let first = fixture.build(spec)
            async let second = fixture.build(spec)
            let ids = try await [first, second]
            #expect(ids[0] == ids[1])
            let counter = fixture.root + "/store/caches/counter/runs"
            #expect(OBuilderFileSystem.readText(counter) == "step1\nstep2\nstep3\n")
            #expect(await fixture.store.cacheMisses == 4)
        }
    }

    /// The copy backend gives the same results as overlay layers (and is what runs where
    /// overlayfs is not available).
    @Test func copyBackendBuildsTheSameSpec() async throws {
        try await OBuilderTestFixture.run(backend: .overlay) { (overlay) async throws in
            try await OBuilderTestFixture.run(backend: .copy) { (copy) async throws in
                let clock = ContinuousClock()
                var start = clock.now
                let overlayID = try await overlay.build(OBuilderBuildTests.multiStep)
                let overlayTime = clock.now - start
                start = clock.now
                let copyID = try await copy.build(OBuilderBuildTests.multiStep)
                let copyTime = clock.now - start
                #expect(copyID == overlayID)
                #expect(try await copy.read("/work/b.txt", in: copyID) == "hello\n/work\n")
                #expect(try await copy.read("/tmp/uid", in: copyID) == "1000\n")
                print("OBuilder multi-step build, cold: overlay store \(overlayTime), copy store \(copyTime)")
            }
        }
    }

    @Test func pruningDuringABuildSparesItsSnapshots() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let spec = """
                ((from busybox)
                 (shell /bin/sh -c)
                 (run (shell "echo one > /one"))
                 (run (shell "while [ ! -e /go ]; do sleep 0.05; done; echo two")))
                """
            let log = LogCollector()
            let build = Task { try await fixture.build(spec, log: log) }
            // Wait until the second step runs: its rootfs is an overlay mount in the store's scratch
            // directory, where the test can release it.
            let deadline = ContinuousClock.now + .seconds(30)
            var merged: String?
            while merged == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                if log.headings.count >= 3,
                    let scratch = try fixture.scratchEntries().first(where: { $0.hasPrefix("build-") }),
                    OverlayMount.mounts(under: fixture.root + "/store/tmp/" + scratch).count == 1
                {
                    merged = fixture.root + "/store/tmp/" + scratch + "/merged"
                }
            }
            // Everything is old enough, but the running build holds its base and first step.
            #expect(try await fixture.store.prune(before: SnapshotStore.now() + 100, limit: 10) == 0)
            let go = try #require(merged) + "/go"
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            let id = try await build.value
            #expect(log.output.contains("two"))
            // Once the build is over, its snapshots can go, newest leaf first.
            #expect(try await fixture.store.prune(before: SnapshotStore.now() + 100, limit: 10) == 3)
            #expect(await !fixture.store.contains(id))
        }
    }

    @Test func healthcheckPassesAndLeavesOnlyTheBase() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            try await fixture.builder.healthcheck()
            #expect(await fixture.store.snapshotIDs().count == 1)
            await #expect(throws: OBuilderError(.unknownBaseImage, "")) {
                try await fixture.builder.healthcheck(baseImage: "no-such-image")
            }
        }
    }
}
