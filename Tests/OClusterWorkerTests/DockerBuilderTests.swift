// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterAPI
import OClusterWorker
import TestSupport
import Testing

@Suite("Docker builder: arguments and checks (no engine needed)")
struct DockerBuilderTests {
    @Test("docker build arguments are ocluster's, in its order")
    func arguments() {
        let job = JobSpec.Docker(
            dockerfile: .path("Dockerfile"),
            buildArgs: ["A=1", "B=2"],
            squash: true,
            buildkit: true
        )
        let ocluster = DockerBuilder(configuration: DockerConfiguration())
        #expect(
            ocluster.buildArguments(
                job,
                dockerfile: "/ctx/Dockerfile",
                context: "/ctx",
                secretFiles: [("token", "/tmp/s1.secret")],
                iidFile: "/tmp/x.iid"
            ) == [
                "build", "--build-arg", "A=1", "--build-arg", "B=2", "--squash",
                "--secret", "id=token,src=/tmp/s1.secret", "--pull", "--iidfile", "/tmp/x.iid",
                "-f", "/ctx/Dockerfile", "/ctx",
            ]
        )
        let offline = DockerBuilder(configuration: DockerConfiguration(pull: false, network: "none"))
        #expect(
            offline.buildArguments(
                JobSpec.Docker(dockerfile: .contents("")),
                dockerfile: "/c/Dockerfile",
                context: "/c",
                secretFiles: [],
                iidFile: "/i"
            ) == ["build", "--network", "none", "--iidfile", "/i", "-f", "/c/Dockerfile", "/c"]
        )
    }

    @Test(
        "Dockerfile paths must stay inside the context",
        arguments: [
            ("-", "Path cannot be '-'!"),
            ("/etc/passwd", "/etc/passwd is an absolute path!"),
            ("../Dockerfile", "Relative segment in ../Dockerfile"),
            ("dir/../../x", "Relative segment in dir/../../x"),
            ("dir//Dockerfile", "Empty segment in dir//Dockerfile!"),
            ("missing", "\"missing\" does not exist (in missing)"),
            ("link/Dockerfile", "\"link\" is not a directory (in link/Dockerfile)"),
            ("dir", "\"dir\" is not a directory (in dir)"),
        ]
    )
    func containedPaths(path: String, message: String) throws {
        let context = try TemporaryDirectory()
        defer { context.remove() }
        try context.write("dir/Dockerfile", "FROM scratch\n")
        try FileManager.default.createSymbolicLink(atPath: context.path + "/link", withDestinationPath: "dir")
        let error = #expect(throws: WorkerError(.invalidRequest, "")) {
            try DockerBuilder.containedPath(path, in: context.path)
        }
        #expect(error?.message == message)
        #expect(
            try DockerBuilder.containedPath("./dir/../dir/Dockerfile", in: context.path) == context.path
                + "/dir/Dockerfile"
        )
    }

    @Test("Push targets split at the last colon")
    func targets() throws {
        let target = try JobSpec.ImageID(parsing: "registry:5000/org/repo:tag")
        #expect(target.repository == "registry:5000/org/repo" && target.tag == "tag")
        #expect(throws: JobSpecError(.invalidImageID, "")) { try JobSpec.ImageID(parsing: "no-tag") }
        #expect(throws: JobSpecError(.invalidImageID, "")) { try JobSpec.ImageID(parsing: ":tag") }
        #expect(throws: JobSpecError(.invalidImageID, "")) { try JobSpec.ImageID(parsing: "repo:") }
    }

    @Test("Pushing to a repository not in --allow-push is refused before anything runs")
    func pushRefused() async throws {
        let builder = DockerBuilder(
            configuration: DockerConfiguration(executable: "/nonexistent/docker", allowPush: ["ok/repo"])
        )
        let log = LogData()
        let error = await #expect(throws: WorkerError(.pushRefused, "")) {
            try await builder.push(
                "sha256:abc",
                to: try JobSpec.ImageID(parsing: "other/repo:latest"),
                credentials: nil,
                log: log,
                cancel: CancelSwitch()
            )
        }
        #expect(
            error?.message == "To allow pushing to this repository, start the worker with --allow-push \"other/repo\""
        )
        #expect(log.text == "Pushing \"sha256:abc\" to \"other/repo:latest\"\n")
    }

    @Test(
        "docker system df sizes in GB",
        arguments: [
            ("1.5GB", 1.5), ("300MB", 0.3), ("2KB", 2e-6), ("12kB", 12e-6), ("7B", 7e-9), ("0B", 0.0),
        ]
    )
    func sizes(text: String, gigabytes: Double) {
        #expect(abs((DockerPruner.gigabytes(text) ?? -1) - gigabytes) < 1e-12)
    }

    @Test("Unparseable sizes and bad thresholds")
    func badSizes() {
        #expect(DockerPruner.gigabytes("lots") == nil)
        #expect(DockerPruner.gigabytes("GB") == nil)
        #expect(throws: WorkerError(.invalidRequest, "")) {
            try DockerPruner(policy: .freePercentBelow(101), configuration: DockerConfiguration())
        }
        let free = try? DockerPruner.freePercent(of: "/")
        #expect(free.map { (0...100).contains($0.blocks) && (0...100).contains($0.files) } == true)
    }
}
