// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI
import Testing

@Suite struct JobRequestTests {
    @Test func repositoryWithoutCommitsIsRefusedWithOClustersWording() {
        let request = JobRequest(action: .obuilder(spec: "(from busybox)"), repository: "https://example.org/x.git")
        #expect(
            throws: JobRequest.Invalid(
                description: "No commits requested from repository \"https://example.org/x.git\"!"
            )
        ) {
            try request.validate()
        }
    }

    @Test func pushCredentialsNeedEachOtherAndATarget() {
        let userOnly = JobRequest(action: .docker(.init(pushUser: "me")))
        #expect(throws: JobRequest.Invalid.self) { try userOnly.validate() }
        let noTarget = JobRequest(action: .docker(.init(pushUser: "me", pushPassword: "pw")))
        #expect(throws: JobRequest.Invalid.self) { try noTarget.validate() }
        let complete = JobRequest(action: .docker(.init(pushTarget: "org/img:tag", pushUser: "me", pushPassword: "pw")))
        #expect(throws: Never.self) { try complete.validate() }
    }

    @Test func writtenDescriptionReadsBackEveryField() throws {
        let request = JobRequest(
            action: .docker(.init(dockerfile: .contents("FROM scratch\n"), buildArgs: ["A=1"], squash: true)),
            cacheHint: "hint",
            repository: "https://example.org/x.git",
            commits: ["0123456789abcdef0123456789abcdef01234567"],
            secrets: [(id: "token", value: "s3cret")]
        )
        let message = MessageBuilder()
        request.write(to: message.initRoot(JobDescr.Builder.self))
        let descr = try Framing.decode(message.serialize()).root(as: JobDescr.Reader.self)
        guard case .dockerBuild(let docker) = try descr.action.which else {
            Issue.record("not a docker build")
            return
        }
        guard case .contents(let text) = try docker.dockerfile.which else {
            Issue.record("dockerfile is not inline")
            return
        }
        #expect(text == "FROM scratch\n")
        #expect(try docker.buildArgs.toArray() == ["A=1"])
        #expect(docker.squash)
        #expect(!docker.buildkit)
        #expect(try descr.cacheHint == "hint")
        #expect(try descr.repository == "https://example.org/x.git")
        #expect(try descr.commits.toArray() == ["0123456789abcdef0123456789abcdef01234567"])
        #expect(try descr.secrets.map { try [$0.id, $0.value] } == [["token", "s3cret"]])
    }
}
