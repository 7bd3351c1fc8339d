// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// ``RuncOptions`` in a real runc container: resource limits seen from inside (cgroup v1 here),
/// a memory hog killed, and `--fast-sync` turning a failing `fdatasync` into a success.
@Suite(.serialized) struct SandboxLimitsTests {
    /// Runs `script` in a runc sandbox with `options` on the busybox image; returns status and output.
    private func run(_ script: String, options: RuncOptions) async throws -> (Int32, [String]) {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let sandbox = try await RuncSandbox(stateDirectory: fixture.root + "/limited", options: options)
            let image = try fixture.images.image(named: "busybox")
            let lines = SandboxTests.Lines()
            let config = SandboxConfig(arguments: ["/bin/sh", "-c", script], environment: ["PATH=/bin"])
            let status = try await sandbox.run(config, rootfs: image.rootfs) { lines.append($0) }
            return (status, lines.all)
        }
    }

    /// The value of the first of `files` that exists in the container's cgroups (v1 or v2 names).
    private static func cgroupValue(_ files: [String]) -> String {
        files.map { "cat /sys/fs/cgroup/\($0) 2>/dev/null" }.joined(separator: " || ")
    }

    @Test func limitsMemoryCPUAndProcesses() async throws {
        let options = RuncOptions(memoryLimit: 64 << 20, cpus: 0.5, pidsLimit: 50)
        let script = [
            Self.cgroupValue(["memory/memory.limit_in_bytes", "memory.max"]),
            Self.cgroupValue(["cpu/cpu.cfs_quota_us", "cpu.max"]),
            Self.cgroupValue(["pids/pids.max", "pids.max"]),
        ].joined(separator: "; ")
        let (status, lines) = try await run(script, options: options)
        #expect(status == 0)
        #expect(lines.count == 3)
        #expect(lines.first == "67108864")
        #expect(lines.dropFirst().first?.hasPrefix("50000") == true)
        #expect(lines.last == "50")
    }

    @Test func aProcessOverTheMemoryLimitIsKilled() async throws {
        // A shell variable doubled until it holds 64 MiB, under a 32 MiB limit.
        let hog = "x=0123456789abcdef; i=0; while [ $i -lt 22 ]; do x=$x$x; i=$((i+1)); done; echo survived"
        let (limited, lines) = try await run(hog, options: RuncOptions(memoryLimit: 32 << 20))
        #expect(limited != 0)
        #expect(!lines.contains("survived"))
        let (unlimited, free) = try await run(hog, options: RuncOptions())
        #expect(unlimited == 0)
        #expect(free.contains("survived"))
    }

    @Test func fastSyncMakesSyncCallsSucceedWithoutDoingAnything() async throws {
        // fdatasync on /dev/null fails with EINVAL; under --fast-sync it is not made at all.
        let script = "sync -d /dev/null; echo status=$?"
        let (_, normal) = try await run(script, options: RuncOptions())
        #expect(normal.contains("status=1"))
        let (_, fast) = try await run(script, options: RuncOptions(fastSync: true))
        #expect(fast.contains("status=0"))
    }

    @Test func configCarriesOBuildersSeccompPolicy() throws {
        let config = SandboxConfig(arguments: ["true"])
        let plain = try RuncConfig.make(
            config,
            rootfs: "/r",
            hostsFile: "/h",
            secretFiles: [],
            architectures: RuncOptions.architectures(machine: "x86_64")
        ).serialized
        #expect(
            plain.contains(
                #""seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[],"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]}"#
            )
        )
        #expect(!plain.contains("resources"))
        let fast = try RuncConfig.make(
            config,
            rootfs: "/r",
            hostsFile: "/h",
            secretFiles: [],
            options: RuncOptions(fastSync: true, pidsLimit: 7)
        ).serialized
        #expect(
            fast.contains(
                #"{"names":["fsync","fdatasync","msync","sync","syncfs","sync_file_range"],"action":"SCMP_ACT_ERRNO","errnoRet":0}"#
            )
        )
        #expect(fast.contains(#""resources":{"pids":{"limit":7}}"#))
    }
}

/// A user namespace in runc: root in the step is the start of the mapped range on the host.
@Suite(.serialized) struct SandboxUserNamespaceTests {
    @Test func rootIsAnUnprivilegedHostUser() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let users = UserNamespace(uidStart: 100_000, gidStart: 100_000, count: 65536)
            let sandbox = try await RuncSandbox(
                stateDirectory: fixture.root + "/userns",
                options: RuncOptions(userNamespace: users)
            )
            // The root file system belongs to the mapped root, as a store for this sandbox keeps it.
            let rootfs = fixture.root + "/shifted"
            let image = try fixture.images.image(named: "busybox")
            try await OBuilderFileSystem.copyTree(image.rootfs, to: rootfs)
            try await LoopFileSystem.check(["chown", "-R", "-h", "100000:100000", rootfs])
            _ = chmod(fixture.root, 0o755)
            let lines = SandboxTests.Lines()
            let config = SandboxConfig(
                arguments: ["/bin/sh", "-c", "id -u; cat /proc/self/uid_map; touch /made; cat /run/s"],
                environment: ["PATH=/bin"],
                secrets: [SandboxConfig.SecretFile(target: "/run/s", value: "secret\n")]
            )
            let status = try await sandbox.run(config, rootfs: rootfs) { lines.append($0) }
            #expect(status == 0, "\(lines.all)")
            #expect(lines.all.first == "0")
            #expect(lines.all.dropFirst().first?.split(separator: " ").map(String.init) == ["0", "100000", "65536"])
            #expect(lines.all.last == "secret")
            var info = stat()
            #expect(lstat(rootfs + "/made", &info) == 0)
            #expect(info.st_uid == 100_000 && info.st_gid == 100_000, "the file is the mapped root's on the host")
        }
    }

    @Test func readsSubordinateRanges() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            try OBuilderFileSystem.writeFile(fixture.root + "/subuid", "other:1:2\nbuilder:200000:65536\n")
            try OBuilderFileSystem.writeFile(fixture.root + "/subgid", "builder:300000:1000\n")
            let users = try UserNamespace.subordinate(
                of: "builder",
                subuid: fixture.root + "/subuid",
                subgid: fixture.root + "/subgid"
            )
            #expect(users == UserNamespace(uidStart: 200_000, gidStart: 300_000, count: 1000))
            #expect(throws: OBuilderError(.sandbox, "")) {
                try UserNamespace.subordinate(
                    of: "nobody",
                    subuid: fixture.root + "/subuid",
                    subgid: fixture.root + "/subgid"
                )
            }
        }
    }
}

/// Whole builds in a user namespace: the base image is shifted into the range, caches belong to
/// the mapped user, copies and runs work, and the result is the mapped root's on the host.
@Suite(.serialized) struct BuildUserNamespaceTests {
    @Test func buildsWithACacheAndACopyInAUserNamespace() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let users = UserNamespace(uidStart: 200_000, gidStart: 200_000, count: 65536)
            let sandbox = try await RuncSandbox(
                stateDirectory: fixture.root + "/userns",
                options: RuncOptions(userNamespace: users)
            )
            let builder = OBuilderBuilder(
                store: fixture.store,
                sandbox: sandbox,
                baseImages: fixture.images,
                defaultShell: ["/bin/sh", "-c"]
            )
            try OBuilderFileSystem.writeFile(fixture.root + "/src.txt", "copied\n")
            let spec = """
                ((from busybox)
                 (copy (src src.txt) (dst /src.txt))
                 (run (cache (c (target /c))) (shell "id -u > /uid; echo one >> /c/log; chmod 666 /c/log; cat /src.txt"))
                 (user (uid 1000) (gid 1000))
                 (run (cache (c (target /c))) (shell "id -u >> /tmp/uid; echo two >> /c/log; cp /c/log /tmp/log")))
                """
            let log = LogCollector()
            let id = try await builder.build(specText: spec, sourceDirectory: fixture.root) { log.append($0) }
            #expect(log.output.contains("copied"))
            #expect(try await fixture.read("/uid", in: id) == "0\n")
            #expect(try await fixture.read("/tmp/uid", in: id) == "1000\n")
            #expect(try await fixture.read("/tmp/log", in: id) == "one\ntwo\n")
            let owner = try await fixture.store.withReadableRoot(of: id) { root throws(OBuilderError) in
                var info = stat()
                _ = lstat(root + "/tmp/log", &info)
                var base = stat()
                _ = lstat(root + "/bin", &base)
                return [info.st_uid, base.st_uid]
            }
            #expect(owner == [201_000, 200_000], "files belong to the range on the host")
        }
    }
}
