// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import TestSupport
import Testing

@testable import OBuilder

/// Real builds: busybox base image, runc sandbox, overlay snapshot store.
@Suite(.serialized) struct OBuilderBuildTests {
    static let multiStep = """
        ((from busybox)
         (shell /bin/sh -c)
         (env GREETING hello)
         (workdir /work)
         (run (cache (counter (target /counter)))
              (shell "echo step1 >> /counter/runs; chmod 666 /counter/runs; echo $GREETING > a.txt"))
         (run (cache (counter (target /counter)))
              (shell "echo step2 >> /counter/runs; cat a.txt > b.txt; pwd >> b.txt; echo $GREETING-from-step2"))
         (workdir sub)
         (user (uid 1000) (gid 1000))
         (run (cache (counter (target /counter)))
              (shell "echo step3 >> /counter/runs; id -u > /tmp/uid; pwd > /tmp/pwd")))
        """

    @Test func multiStepBuildSeesEarlierFilesEnvironmentAndWorkdir() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let log = LogCollector()
            let id = try await fixture.build(Self.multiStep, log: log)
            #expect(try await fixture.read("/work/a.txt", in: id) == "hello\n")
            #expect(try await fixture.read("/work/b.txt", in: id) == "hello\n/work\n")
            #expect(try await fixture.read("/tmp/uid", in: id) == "1000\n")
            #expect(try await fixture.read("/tmp/pwd", in: id) == "/work/sub\n")
            #expect(log.output.contains("hello-from-step2"))
            #expect(log.headings.first == "(from busybox)")
            #expect(
                log.headings.contains(
                    #"/work: (run (cache (counter (target /counter))) (shell "echo step1 >> /counter/runs; chmod 666 /counter/runs; echo $GREETING > a.txt"))"#
                )
            )
            #expect(log.notes.filter { $0.hasPrefix("---> saved as") }.count == 4)
            #expect(try fixture.scratchEntries().isEmpty)
        }
    }

    @Test func secondIdenticalBuildIsServedFromTheCache() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            let first = try await fixture.build(Self.multiStep)
            let cold = clock.now - start
            let counter = fixture.root + "/store/caches/counter/runs"
            #expect(OBuilderFileSystem.readText(counter) == "step1\nstep2\nstep3\n")

            let log = LogCollector()
            let restart = clock.now
            let second = try await fixture.build(Self.multiStep, log: log)
            let cached = clock.now - restart
            #expect(second == first)
            // The side effect in the cache directory shows that no step ran again.
            #expect(OBuilderFileSystem.readText(counter) == "step1\nstep2\nstep3\n")
            #expect(log.notes.filter { $0.hasPrefix("---> using") && $0.hasSuffix("from cache") }.count == 4)
            #expect(log.notes.allSatisfy { !$0.hasPrefix("---> saved") })
            // The saved output of a cached step is replayed.
            #expect(log.output.contains("hello-from-step2"))
            #expect(await fixture.store.cacheHits == 4)

            // A change to one step re-runs it and everything after it, but not what comes before.
            let changed = Self.multiStep.replacingOccurrences(of: "id -u > /tmp/uid", with: "id -g > /tmp/uid")
            let third = try await fixture.build(changed)
            #expect(third != first)
            #expect(OBuilderFileSystem.readText(counter) == "step1\nstep2\nstep3\nstep3\n")
            print("OBuilder multi-step build: cold \(cold), cached \(cached)")
        }
    }

    @Test func failingStepReportsItsOutputAndExitCode() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let log = LogCollector()
            let spec = """
                ((from busybox)
                 (shell /bin/sh -c)
                 (run (shell "echo ok > /ok"))
                 (run (shell "echo before; echo oops >&2; touch /half-done; exit 3"))
                 (run (shell "echo never")))
                """
            let before = await fixture.store.snapshotIDs().count
            await #expect {
                _ = try await fixture.build(spec, log: log)
            } throws: { error in
                guard let error = error as? OBuilderError else { return false }
                return error.code == .stepFailed && error.exitCode == 3
                    && error.message
                        == #""/bin/sh" "-c" "echo before; echo oops >&2; touch /half-done; exit 3" failed with exit status 3"#
            }
            #expect(log.output.contains("before"))
            #expect(log.output.contains("oops"))
            #expect(!log.output.contains("never"))
            // The base and the first step were saved; the failed step left nothing.
            #expect(await fixture.store.snapshotIDs().count == before + 2)
            #expect(try fixture.scratchEntries().isEmpty)
        }
    }

    @Test func cancelledBuildLeavesNoProcessAndNoSnapshot() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let log = LogCollector()
            let marker = "\(Int.random(in: 100_000...999_999))"
            let spec = """
                ((from busybox)
                 (shell /bin/sh -c)
                 (run (shell "echo started; touch /partial; (sleep \(marker) &) ; sleep \(marker)1")))
                """
            let build = Task { try await fixture.build(spec, log: log) }
            try await waitUntil("the step has started") { log.output.contains("started") }
            #expect(!OBuilderTestFixture.processes(containing: "sleep \(marker)").isEmpty)
            let snapshotsWhileRunning = await fixture.store.snapshotIDs()
            build.cancel()
            let result = await build.result
            #expect(throws: OBuilderError(.cancelled, "")) { try result.get() }
            #expect(OBuilderTestFixture.processes(containing: "sleep \(marker)") == [])
            #expect(await fixture.store.snapshotIDs() == snapshotsWhileRunning)
            #expect(try fixture.scratchEntries().isEmpty)
            #expect(OverlayMount.mounts(under: fixture.root) == [])
            #expect(try OBuilderFileSystem.listDirectory(fixture.root + "/sandbox/runc") == [])
            #expect(try OBuilderFileSystem.listDirectory(fixture.root + "/sandbox/bundles") == [])
        }
    }

    @Test func specWithSyntaxErrorIsRefusedWithItsLocation() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let spec = "((from busybox)\n (run (shell \"echo hi\"))\n    (rnu (shell \"echo no\")))"
            await #expect {
                _ = try await fixture.build(spec)
            } throws: { error in
                "\(error)".hasPrefix("line 3, column 6: unknown operation \"rnu\"")
            }
            #expect(await fixture.store.snapshotIDs() == [])
        }
    }

    @Test func secretsAreMountedAndMissingOnesRefused() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let spec = """
                ((from busybox)
                 (shell /bin/sh -c)
                 (run (secrets (token (target /run/secrets/token))) (shell "cat /run/secrets/token")))
                """
            let log = LogCollector()
            _ = try await fixture.build(spec, secrets: ["token": "s3cret"], log: log)
            #expect(log.output.contains("s3cret"))
            await #expect(throws: OBuilderError(.missingSecret, "")) { _ = try await fixture.build(spec) }
        }
    }

    @Test func networkIsOffByDefaultAndHostOnRequest() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let isolated = LogCollector()
            _ = try await fixture.build(
                "((from busybox) (shell /bin/sh -c) (run (shell \"ls /sys/class/net; echo isolated\")))",
                log: isolated
            )
            #expect(isolated.output == ["lo", "isolated"])

            let hostInterfaces = try OBuilderFileSystem.listDirectory("/sys/class/net")
            let host = LogCollector()
            _ = try await fixture.build(
                "((from busybox) (shell /bin/sh -c) (run (network host) (shell \"ls /sys/class/net\")))",
                log: host
            )
            #expect(host.output.sorted() == hostInterfaces.sorted())
        }
    }
}
