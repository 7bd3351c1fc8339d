// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// A multi-step spec with cache steps, built in runc on every store (btrfs and XFS on loop
/// devices): the second build is served from the store, and the cache carries over to a
/// different build.
@Suite(.serialized) struct StoreBuildTests {
    @Test(arguments: TestStore.allCases) func multiStepBuildWithCacheOnEveryStore(_ kind: TestStore) async throws {
        try await kind.with { spec in
            try await OBuilderTestFixture.run(store: spec) { (fixture) async throws in
                let clock = ContinuousClock()
                var start = clock.now
                let first = try await fixture.build(OBuilderBuildTests.multiStep)
                let cold = clock.now - start
                #expect(try await fixture.read("/work/b.txt", in: first) == "hello\n/work\n")
                #expect(try await fixture.read("/tmp/uid", in: first) == "1000\n")
                let log = LogCollector()
                start = clock.now
                let second = try await fixture.build(OBuilderBuildTests.multiStep, log: log)
                let cached = clock.now - start
                #expect(second == first)
                #expect(log.notes.filter { $0.hasSuffix("from cache") }.count == 4)
                #expect(log.output.contains("hello-from-step2"), "the saved log is replayed")
                let other = """
                    ((from busybox)
                     (shell /bin/sh -c)
                     (run (cache (counter (target /counter))) (shell "cat /counter/runs > /seen")))
                    """
                let third = try await fixture.build(other)
                #expect(try await fixture.read("/seen", in: third) == "step1\nstep2\nstep3\n")
                #expect(try fixture.scratchEntries().isEmpty)
                print("OBuilder multi-step build on \(kind.rawValue): cold \(cold), cached \(cached)")
            }
        }
    }
}
