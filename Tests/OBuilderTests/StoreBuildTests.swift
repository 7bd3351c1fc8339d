// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

@testable import OBuilder

/// A multi-step spec with cache steps, `(from IMAGE)` an image pushed to a local registry and
/// fetched with skopeo, built in runc on every store (btrfs and XFS on loop devices): the second
/// build is served from the store without fetching again, and the cache carries over to a
/// different build.
@Suite(.serialized) struct StoreBuildTests {
    @Test(arguments: TestStore.allCases) func multiStepBuildFromRegistryWithCacheOnEveryStore(
        _ kind: TestStore
    ) async throws {
        try await TestRegistry.with { registry in
            let digest = try await registry.pushBusybox(as: "test/busybox:1")
            let image = registry.host + "/test/busybox:1"
            let spec = OBuilderBuildTests.multiStep.replacingOccurrences(of: "(from busybox)", with: "(from \(image))")
            #expect(spec != OBuilderBuildTests.multiStep)
            try await kind.with { store in
                try await OBuilderTestFixture.run(store: store, fetcher: SkopeoImageFetcher()) {
                    (fixture) async throws in
                    let clock = ContinuousClock()
                    var start = clock.now
                    let firstLog = LogCollector()
                    let first = try await fixture.build(spec, log: firstLog)
                    let cold = clock.now - start
                    #expect(
                        firstLog.notes.contains { $0.hasPrefix("Fetching \(registry.host)/test/busybox@\(digest)") }
                    )
                    #expect(try await fixture.read("/work/b.txt", in: first) == "hello\n/work\n")
                    #expect(try await fixture.read("/tmp/uid", in: first) == "1000\n")
                    let hasBusybox = try await fixture.store.withReadableRoot(of: first) { root in
                        FileManager.default.isExecutableFile(atPath: root + "/bin/busybox")
                    }
                    #expect(hasBusybox, "the fetched image is the root")
                    let log = LogCollector()
                    start = clock.now
                    let second = try await fixture.build(spec, log: log)
                    let cached = clock.now - start
                    #expect(second == first)
                    #expect(!log.notes.contains { $0.hasPrefix("Fetching") }, "the image is not fetched again")
                    #expect(log.notes.filter { $0.hasSuffix("from cache") }.count == 4, "\(log.notes)")
                    #expect(log.output.contains("hello-from-step2"), "the saved log is replayed")
                    let other = """
                        ((from \(image))
                         (shell /bin/sh -c)
                         (run (cache (counter (target /counter))) (shell "cat /counter/runs > /seen")))
                        """
                    let thirdLog = LogCollector()
                    let third = try await fixture.build(other, log: thirdLog)
                    #expect(!thirdLog.notes.contains { $0.hasPrefix("Fetching") })
                    #expect(try await fixture.read("/seen", in: third) == "step1\nstep2\nstep3\n")
                    #expect(try fixture.scratchEntries().isEmpty)
                    print("OBuilder multi-step build from \(image) on \(kind.rawValue): cold \(cold), cached \(cached)")
                }
            }
        }
    }
}
