// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

extension EndToEndTests {
    /// `ocluster-client context …` and `-c` left out, with a real scheduler and worker.
    @Suite struct ContextCLITests {
        /// Runs `tool` with its contexts in `config`.
        static func run(
            _ cluster: ClusterHarness,
            _ tool: String,
            _ arguments: [String],
            context: String? = nil
        ) async throws -> ClusterHarness.Output {
            var environment = ["XDG_CONFIG_HOME=\(cluster.path("config"))"]
            if let context { environment.append("OCLUSTER_CONTEXT=\(context)") }
            return try await ClusterHarness.run(
                "/usr/bin/env",
                ["-u", "OCLUSTER_CONTEXT"] + environment + [try ClusterHarness.executable(tool).path] + arguments,
                directory: cluster.directory
            )
        }

        @Test func contextsReplaceTheCapFileAndPool() async throws {
            let cluster = try await ClusterHarness()
            try await cluster.startScheduler()
            try cluster.startWorker("worker-1")
            try await cluster.waitForWorker("worker-1")
            let submit = cluster.path("secrets/submit-tester.cap")
            let add = try await Self.run(
                cluster,
                "ocluster-client",
                ["context", "add", "local", submit, "--pool", cluster.pool]
            )
            #expect(add.status == 0, "\(add.output)")
            #expect(add.output == "Added context local (current)\n")
            let copy = cluster.path("config/ocluster/contexts/local/connection.cap")
            let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let admin = try await Self.run(
                cluster,
                "ocluster-client",
                ["context", "add", "admin", cluster.path("secrets/admin.cap")]
            )
            #expect(admin.output == "Added context admin\n")

            let list = try await Self.run(cluster, "ocluster-client", ["context", "ls"])
            #expect(list.output.contains("* local\t\(cluster.pool)\ttcp:127.0.0.1:\(cluster.port)\n"), "\(list.output)")
            #expect(list.output.contains("  admin\t-\t"), "\(list.output)")

            // No -c, no --pool: the current context's.
            let specPath = cluster.path("context.spec")
            try #"((from busybox) (shell /bin/sh -c) (run (shell "echo via-$((6*7))")))"#.write(
                toFile: specPath,
                atomically: true,
                encoding: .utf8
            )
            let job = try await Self.run(cluster, "ocluster-client", ["submit-obuilder", "--local-file", specPath])
            #expect(job.status == 0, "\(job.output)")
            #expect(job.output.contains("via-42"))

            // The admin CLI reads the same contexts; OCLUSTER_CONTEXT picks one.
            let show = try await Self.run(cluster, "ocluster-admin", ["show"], context: "admin")
            #expect(show.status == 0, "\(show.output)")
            #expect(show.output.contains(cluster.pool))
            #expect(
                try await Self.run(cluster, "ocluster-client", ["context", "use", "admin"]).output
                    == "Current context: admin\n"
            )
            #expect(try await Self.run(cluster, "ocluster-admin", ["show"]).status == 0)
            let unknown = try await Self.run(cluster, "ocluster-admin", ["show"], context: "nosuch")
            #expect(unknown.status == 1)
            #expect(unknown.output == "OCLUSTER_CONTEXT: No context named \"nosuch\"\n")

            #expect(try await Self.run(cluster, "ocluster-client", ["context", "rm", "admin"]).status == 0)
            let noContext = try await Self.run(cluster, "ocluster-admin", ["show"])
            #expect(noContext.status == 124)
            #expect(noContext.output.hasPrefix("ocluster-admin: required option --connect is missing\n"))
        }

        @Test func aMissingOrUnreadableCapFileIsAClearError() async throws {
            let cluster = try await ClusterHarness()
            let missing = try await Self.run(
                cluster,
                "ocluster-client",
                ["context", "add", "x", cluster.path("nosuch.cap")]
            )
            #expect(missing.status == 1)
            #expect(missing.output == "File \"\(cluster.path("nosuch.cap"))\" does not exist\n")
            let unreadable = try await Self.run(
                cluster,
                "ocluster-client",
                ["context", "add", "x", cluster.path("secrets")]
            )
            #expect(unreadable.status == 1)
            #expect(unreadable.output == "Error loading \"\(cluster.path("secrets"))\": cannot read the file\n")
            let usage = try await Self.run(cluster, "ocluster-client", ["context", "add", "x"])
            #expect(usage.status == 124)
            #expect(usage.output.hasPrefix("ocluster-client context: required argument FILE is missing\n"))
            #expect(try await Self.run(cluster, "ocluster-client", ["context", "ls"]).output == "")
        }
    }
}
