// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// `copy` from the job's source directory and from nested builds, in real builds.
@Suite(.serialized) struct OBuilderCopyTests {
    /// a.txt, run.sh (executable), link -> a.txt, sub/b.txt, sub/.git/config, _build/out, and a
    /// file with a name longer than 100 bytes.
    static func makeSource(in directory: String) throws -> String {
        let source = directory + "/source"
        let files = FileManager.default
        let longName = String(repeating: "n", count: 120) + ".txt"
        for path in ["sub/.git", "_build", "deep/" + String(repeating: "d", count: 90)] {
            try files.createDirectory(atPath: source + "/" + path, withIntermediateDirectories: true)
        }
        try "alpha\n".write(toFile: source + "/a.txt", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho run\n".write(toFile: source + "/run.sh", atomically: true, encoding: .utf8)
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: source + "/run.sh")
        try files.createSymbolicLink(atPath: source + "/link", withDestinationPath: "a.txt")
        try "beta\n".write(toFile: source + "/sub/b.txt", atomically: true, encoding: .utf8)
        try "git\n".write(toFile: source + "/sub/.git/config", atomically: true, encoding: .utf8)
        try "built\n".write(toFile: source + "/_build/out", atomically: true, encoding: .utf8)
        try "long\n".write(
            toFile: source + "/deep/" + String(repeating: "d", count: 90) + "/" + longName,
            atomically: true,
            encoding: .utf8
        )
        return source
    }

    static let copySpec = """
        ((from busybox)
         (shell /bin/sh -c)
         (workdir /home)
         (user (uid 1000) (gid 1000))
         (copy (src .) (dst src/) (exclude .git _build))
         (copy (src a.txt) (dst /single.txt))
         (copy (src sub/b.txt run.sh) (dst /many/))
         (run (shell "cd /home/src && find . | sort && stat -c '%n %u:%g %a' run.sh a.txt sub && readlink link")))
        """

    @Test func copiesSourceFilesWithExcludesOwnersModesAndLinks() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let source = try Self.makeSource(in: fixture.root)
            let log = LogCollector()
            let id = try await fixture.build(Self.copySpec, source: source, log: log)
            let longPath =
                "./deep/" + String(repeating: "d", count: 90) + "/" + String(repeating: "n", count: 120) + ".txt"
            let listing = log.output.prefix { !$0.hasPrefix("run.sh ") }
            #expect(
                Array(listing)
                    == [
                        ".", "./a.txt", "./deep", "./deep/" + String(repeating: "d", count: 90), longPath, "./link",
                        "./run.sh", "./sub", "./sub/b.txt",
                    ]
            )
            #expect(log.output.contains("run.sh 1000:1000 755"))
            #expect(log.output.contains("a.txt 1000:1000 644"))
            #expect(log.output.contains("sub 1000:1000 755"))
            #expect(log.output.last == "a.txt")
            #expect(try await fixture.read("/single.txt", in: id) == "alpha\n")
            #expect(try await fixture.read("/many/b.txt", in: id) == "beta\n")
            #expect(try await fixture.read("/many/run.sh", in: id) == "#!/bin/sh\necho run\n")
            #expect(try await fixture.read("/home/src" + longPath.dropFirst(), in: id) == "long\n")
        }
    }

    @Test func copyIsCachedByContent() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let source = try Self.makeSource(in: fixture.root)
            let first = try await fixture.build(Self.copySpec, source: source)
            // Touching an excluded file changes nothing.
            try "rebuilt\n".write(toFile: source + "/_build/out", atomically: true, encoding: .utf8)
            let log = LogCollector()
            #expect(try await fixture.build(Self.copySpec, source: source, log: log) == first)
            #expect(log.notes.allSatisfy { !$0.hasPrefix("---> saved") })
            // Changing a copied file's content re-runs the copy.
            try "ALPHA\n".write(toFile: source + "/a.txt", atomically: true, encoding: .utf8)
            let second = try await fixture.build(Self.copySpec, source: source)
            #expect(second != first)
            #expect(try await fixture.read("/single.txt", in: second) == "ALPHA\n")
        }
    }

    @Test func refusesBadCopySources() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let source = try Self.makeSource(in: fixture.root)
            let cases: [(String, String)] = [
                ("(copy (src missing) (dst /x))", "Source path \"missing\" not found"),
                ("(copy (src ../etc) (dst /x))", "Can't use .. in source paths! (in \"../etc\")"),
                ("(copy (src a.txt/x) (dst /x))", "Not a directory: a.txt (in \"a.txt/x\")"),
                (
                    "(copy (src a.txt run.sh) (dst /x))",
                    "When copying multiple items, the destination must end with '/'"
                ),
            ]
            for (operation, message) in cases {
                await #expect {
                    _ = try await fixture.build("((from busybox) \(operation))", source: source)
                } throws: { error in
                    (error as? OBuilderError)?.code == .invalidCopy && (error as? OBuilderError)?.message == message
                }
            }
        }
    }

    @Test func twoStageBuildCopiesFromTheBuildStage() async throws {
        try await OBuilderTestFixture.run { (fixture) async throws in
            let spec = """
                ((build tools
                        ((from busybox)
                         (shell /bin/sh -c)
                         (run (shell "mkdir -p /out && echo built-by-tools > /out/tool.txt && echo hidden > /out/skip.me"))))
                 (from busybox)
                 (shell /bin/sh -c)
                 (copy (from (build tools)) (src /out) (dst /usr/local/share/tools) (exclude skip.me))
                 (run (shell "cat /usr/local/share/tools/tool.txt; ls /usr/local/share/tools")))
                """
            let log = LogCollector()
            let id = try await fixture.build(spec, log: log)
            #expect(log.output == ["built-by-tools", "tool.txt"])
            #expect(log.headings.contains(#"(build "tools" …)"#))
            #expect(log.notes.contains(#"--> finished "tools""#))
            #expect(try await fixture.read("/out/tool.txt", in: id) == nil)
        }
    }
}
