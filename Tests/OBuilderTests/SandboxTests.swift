// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Synchronization
import TestSupport
import Testing

@testable import OBuilder

/// The runc sandbox on its own, on a busybox root file system.
@Suite(.serialized) struct SandboxTests {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// Runs `config` on a fresh overlay of the busybox base image.
    private func run(
        _ config: SandboxConfig,
        stdin: (@Sendable (Int32) -> Void)? = nil,
        lines: Lines = Lines()
    ) async throws -> Int32 {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let image = try fixture.images.image(named: "busybox")
            return try await fixture.sandbox.run(config, rootfs: image.rootfs, stdin: stdin) { lines.append($0) }
        }
    }

    @Test("Standard output and error arrive as one stream of lines")
    func streamsOutputAndAppliesUserEnvironmentAndDirectory() async throws {
        let lines = Lines()
        let config = SandboxConfig(
            arguments: ["/bin/sh", "-c", "echo out; echo err >&2; id -u; id -g; echo $FOO; pwd; hostname; exit 7"],
            workingDirectory: "/tmp",
            environment: ["PATH=/bin", "FOO=bar"],
            uid: 1234,
            gid: 5678
        )
        #expect(try await run(config, lines: lines) == 7)
        // runc copies the container's two streams through pipes of its own, so their relative
        // order is not kept; each stream's own order is.
        #expect(lines.all.filter { $0 != "err" } == ["out", "1234", "5678", "bar", "/tmp", "builder"])
        #expect(lines.all.filter { $0 == "err" }.count == 1)
    }

    @Test func feedsStandardInput() async throws {
        let lines = Lines()
        let config = SandboxConfig(arguments: ["/bin/sh", "-c", "wc -c; cat >/dev/null"], environment: ["PATH=/bin"])
        let status = try await run(
            config,
            stdin: { socket in
                let bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
                _ = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            },
            lines: lines
        )
        #expect(status == 0)
        #expect(lines.all.map { $0.trimmingCharacters(in: .whitespaces) } == ["100000"])
    }

    @Test func linesArriveWhileTheCommandRuns() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let image = try fixture.images.image(named: "busybox")
            let lines = Lines()
            let config = SandboxConfig(
                arguments: ["/bin/sh", "-c", "echo first; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second"],
                environment: ["PATH=/bin"]
            )
            let task = Task { try await fixture.sandbox.run(config, rootfs: image.rootfs) { lines.append($0) } }
            try await waitUntil("the first line is out") { !lines.all.isEmpty }
            #expect(lines.all == ["first"])
            #expect(FileManager.default.createFile(atPath: image.rootfs + "/tmp/go", contents: nil))
            #expect(try await task.value == 0)
            #expect(lines.all == ["first", "second"])
        }
    }

    @Test func cancellationKillsTheWholeProcessTree() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let image = try fixture.images.image(named: "busybox")
            let marker = "\(Int.random(in: 100_000...999_999))"
            let lines = Lines()
            let config = SandboxConfig(
                arguments: [
                    "/bin/sh", "-c", "(sleep \(marker)2 &); sh -c 'sleep \(marker)3' & echo up; sleep \(marker)1",
                ],
                environment: ["PATH=/bin"]
            )
            let task = Task { try await fixture.sandbox.run(config, rootfs: image.rootfs) { lines.append($0) } }
            _ = await eventually { OBuilderTestFixture.processes(containing: "sleep \(marker)").count >= 3 }
            #expect(OBuilderTestFixture.processes(containing: "sleep \(marker)").count == 3)
            task.cancel()
            await #expect(throws: OBuilderError(.cancelled, "")) { try await task.value }
            #expect(OBuilderTestFixture.processes(containing: "sleep \(marker)") == [])
            #expect(try OBuilderFileSystem.listDirectory(fixture.root + "/sandbox/runc") == [])
        }
    }

    @Test func refusesUnknownNetworks() async throws {
        await #expect {
            _ = try await run(SandboxConfig(arguments: ["/bin/true"], network: ["bridge"]))
        } throws: { error in
            (error as? OBuilderError)?.message
                == #"unsupported network configuration ["bridge"]: use (network host) or none"#
        }
    }

    @Test func writesAnOCIConfigLikeOBuilder() throws {
        let config = SandboxConfig(
            arguments: ["/bin/sh", "-c", "x"],
            network: ["host"],
            mounts: [.init(source: "/host/cache", target: "/cache")],
            secrets: [.init(target: "/run/secrets/s", value: "v")]
        )
        let json = try RuncConfig.make(config, rootfs: "/r", hostsFile: "/b/hosts", secretFiles: ["/b/secret-0"])
        let text = json.serialized
        #expect(text.contains(#"{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]"#))
        #expect(!text.contains(#"{"type":"network"}"#))
        #expect(text.contains(#""destination":"/etc/resolv.conf""#))
        #expect(
            text.contains(
                #"{"destination":"/run/secrets/s","type":"bind","source":"/b/secret-0","options":["rbind","rprivate","ro"]}"#
            )
        )
        #expect(
            text.contains(
                #"{"destination":"/cache","type":"bind","source":"/host/cache","options":["bind","nosuid","nodev"]}"#
            )
        )
        let isolated = try RuncConfig.make(
            SandboxConfig(arguments: ["x"]),
            rootfs: "/r",
            hostsFile: "/h",
            secretFiles: []
        )
        #expect(isolated.serialized.contains(#""namespaces":[{"type":"network"},{"type":"pid"}"#))
    }
}
