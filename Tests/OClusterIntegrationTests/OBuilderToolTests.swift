// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// The worker's upstream flags and the `ocluster-obuilder` tool, as real processes.
@Suite("Worker flags and ocluster-obuilder")
struct OBuilderToolTests {
    /// Every flag of ocluster's `bin/worker.ml` and of the obuilder terms it includes.
    static let upstreamWorkerFlags = [
        "--name", "-c", "--connect", "--capacity", "--obuilder-healthcheck", "--prune-threshold",
        "--docker-max-df-size", "--obuilder-prune-threshold", "--obuilder-prune-limit", "--allow-push",
        "--state-dir", "--additional-metrics", "--obuilder-store", "--rsync-mode", "--fast-sync", "--docker-cpus",
        "--docker-isolation", "--docker-memory", "--docker-network", "--qemu-cpus", "--qemu-memory",
        "--qemu-guest-os", "--qemu-guest-arch", "--qemu-boot-time", "--verbosity", "-v", "--verbose", "-q",
        "--quiet", "--color", "--help", "--version",
    ]

    static func worker(_ arguments: [String]) async throws -> ClusterHarness.Output {
        try await ClusterHarness.run(try ClusterHarness.executable("ocluster-worker").path, arguments)
    }

    static func tool(_ arguments: [String]) async throws -> ClusterHarness.Output {
        try await ClusterHarness.run(try ClusterHarness.executable("ocluster-obuilder").path, arguments)
    }

    @Test("ocluster-worker --help lists every upstream worker flag")
    func helpListsUpstreamFlags() async throws {
        let help = try await Self.worker(["--help"])
        #expect(help.status == 0)
        for flag in Self.upstreamWorkerFlags {
            let listed =
                help.output.contains(" \(flag) ") || help.output.contains(" \(flag),")
                || help.output.contains(" \(flag)\n") || help.output.contains("\(flag) <")
            #expect(listed, "\(flag) is missing from --help")
        }
    }

    @Test("Store specs and unsupported features are refused at start-up with upstream's messages")
    func refusals() async throws {
        let common = ["--name", "w", "--state-dir", "/nonexistent", "--connect", "/nonexistent/pool.cap"]
        let cases: [([String], String)] = [
            (
                ["--obuilder-store", "bogus:/x"],
                "Store must start with zfs:, btrfs:/, rsync:/, xfs:/, qemu:/, hcs: or overlayfs:"
            ),
            (["--obuilder-store", "btrfs:relative"], "Store must start with zfs:"),
            (["--obuilder-store", "rsync:/x"], "Store rsync:/ must supply an rsync-mode"),
            (["--obuilder-store", "overlayfs:/x", "--rsync-mode", "copy"], "Store type required must be one of"),
            (["--obuilder-store", "rsync:/x", "--rsync-mode", "fast"], "invalid value 'fast'"),
            (["--obuilder-step-memory", "lots"], "--obuilder-step-memory must be a positive integer"),
            (["--obuilder-step-pids", "0"], "--obuilder-step-pids must be positive"),
            (["--obuilder-store", "qemu:/x"], "The qemu: store is not supported on this platform"),
            (["--docker-isolation", "vm"], "expected one of 'hyperv', 'process' or 'default'"),
            (["--qemu-guest-os", "plan9"], "expected one of 'linux', 'openbsd' or 'windows'"),
            (["--docker-memory", "lots"], "--docker-memory must be a positive integer"),
            (["--obuilder-fetch", "wget"], "--obuilder-fetch must be skopeo or docker"),
            (["--obuilder-registry-mirror", "a/b"], "Invalid registry \"a/b\""),
        ]
        for (arguments, message) in cases {
            let result = try await Self.worker(common + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.output.contains(message), "\(arguments): \(result.output)")
        }
    }

    @Test(
        "ocluster-obuilder dockerfile prints obuilder's Dockerfile; build, healthcheck, delete and clean work on a store"
    )
    func tool() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocluster-obuilder-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("job.spec").path
        try """
        ((from busybox) (shell /bin/sh -c)
         (copy (src input.txt) (dst /input.txt))
         (run (cache (downloads (target /cache))) (shell "cat /input.txt; echo step-two")))
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        try "from-the-context\n".write(
            toFile: directory.appendingPathComponent("input.txt").path,
            atomically: true,
            encoding: .utf8
        )

        let dockerfile = try await Self.tool(["dockerfile", "-f", spec, "--buildkit"])
        #expect(dockerfile.status == 0)
        #expect(
            dockerfile.output == """
                FROM busybox
                SHELL [ "/bin/sh", "-c" ]
                COPY input.txt /input.txt
                RUN --mount=type=cache,id=downloads,target=/cache,uid=0 cat /input.txt; echo step-two


                """
        )

        try await ClusterHarness.makeBaseImage(into: directory.appendingPathComponent("images"))
        let store = [
            "--store", "overlayfs:" + directory.appendingPathComponent("store").path, "--base-images",
            directory.appendingPathComponent("images").path,
        ]
        let healthcheck = try await Self.tool(["healthcheck"] + store)
        #expect(
            healthcheck.status == 0 && healthcheck.output.hasSuffix("Healthcheck passed\n"),
            "\(healthcheck.output)"
        )

        let build = try await Self.tool(["build", "-f", spec] + store + [directory.path])
        #expect(build.status == 0, "\(build.output)")
        #expect(build.output.contains("from-the-context\nstep-two\n"))
        let got = build.output.split(separator: "\n").last { $0.hasPrefix("Got: \"") }
        #expect(got?.count == "Got: \"\"".count + 64)

        let failing = directory.appendingPathComponent("fail.spec").path
        try "((from busybox) (shell /bin/sh -c) (run (shell \"exit 3\")))".write(
            toFile: failing,
            atomically: true,
            encoding: .utf8
        )
        let failed = try await Self.tool(["build", "-f", failing] + store + [directory.path])
        #expect(failed.status == 1)
        #expect(failed.output.contains("Build step failed: "))

        let id = String(got?.dropFirst("Got: \"".count).dropLast() ?? "")
        let delete = try await Self.tool(["delete"] + store + [id])
        #expect(delete.status == 0)
        #expect(delete.output == "Removing \(id)\n", "only the final step, which nothing is built on")
        let rebuilt = try await Self.tool(["build", "-f", spec] + store + [directory.path])
        #expect(rebuilt.output.contains("step-two\n"), "the deleted step runs again")

        let clean = try await Self.tool(["clean"] + store)
        #expect(clean.status == 0)
        let removed = clean.output.split(separator: "\n").filter { $0.hasPrefix("Removing ") }.count
        #expect(removed >= 3, "the base, the copy and the run step")
        #expect(clean.output.hasSuffix("Removed \(removed) items\n"))
        let again = try await Self.tool(["clean"] + store)
        #expect(again.output == "Removed 0 items\n")
    }
}
