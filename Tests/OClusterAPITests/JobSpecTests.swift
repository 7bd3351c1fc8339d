// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI
import Testing

/// One job in the three forms the tests compare: the model, the text `capnp encode` reads and
/// `capnp decode` prints for it.
struct SpecCase: Sendable, CustomTestStringConvertible {
    let name: String
    let spec: JobSpec
    let text: String
    var testDescription: String { name }

    static let all: [SpecCase] = [
        SpecCase(
            name: "docker, inline Dockerfile, push with credentials",
            spec: JobSpec(
                action: .docker(
                    JobSpec.Docker(
                        dockerfile: .contents("FROM alpine\nRUN echo \"hi\"\n"),
                        buildArgs: ["A=1", "B=2"],
                        squash: true,
                        buildkit: true,
                        includeGit: true,
                        push: JobSpec.Push(
                            target: JobSpec.ImageID(repository: "registry.example.org:5000/img", tag: "v1"),
                            credentials: JobSpec.Credentials(user: "me", password: "pw")
                        )
                    )
                ),
                cacheHint: "alpine",
                source: JobSpec.Source(
                    repository: "https://example.org/repo.git",
                    commits: ["0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef"]
                ),
                secrets: [JobSpec.Secret(id: "token", value: "s3cr3t"), JobSpec.Secret(id: "other", value: "")]
            ),
            text: """
                ( action = (
                    dockerBuild = (
                      dockerfile = (
                        contents = "FROM alpine\\nRUN echo \\"hi\\"\\n" ),
                      pushTarget = "registry.example.org:5000/img:v1",
                      pushUser = "me",
                      pushPassword = "pw",
                      buildArgs = ["A=1", "B=2"],
                      squash = true,
                      buildkit = true,
                      includeGit = true ) ),
                  cacheHint = "alpine",
                  repository = "https://example.org/repo.git",
                  commits = [
                    "0123456789abcdef0123456789abcdef01234567",
                    "89abcdef0123456789abcdef0123456789abcdef" ],
                  secrets = [
                    (id = "token", value = "s3cr3t"),
                    (id = "other", value = "") ] )

                """
        ),
        SpecCase(
            name: "docker, Dockerfile in the context, push without credentials",
            spec: JobSpec(
                action: .docker(
                    JobSpec.Docker(
                        dockerfile: .path("docker/Dockerfile"),
                        push: JobSpec.Push(target: JobSpec.ImageID(repository: "org/img", tag: "latest"))
                    )
                )
            ),
            text: """
                ( action = (
                    dockerBuild = (
                      dockerfile = (
                        path = "docker/Dockerfile" ),
                      pushTarget = "org/img:latest",
                      squash = false,
                      buildkit = false,
                      includeGit = false ) ),
                  cacheHint = "" )

                """
        ),
        SpecCase(
            name: "obuilder with a source",
            spec: JobSpec(
                action: .obuilder(spec: "((from busybox)\n (run (shell \"echo hi\")))\n"),
                cacheHint: "busybox",
                source: JobSpec.Source(
                    repository: "git://example.org/r",
                    commits: ["0123456789abcdef0123456789abcdef01234567"]
                )
            ),
            text: """
                ( action = (
                    obuilder = (
                      spec = "((from busybox)\\n (run (shell \\"echo hi\\")))\\n" ) ),
                  cacheHint = "busybox",
                  repository = "git://example.org/r",
                  commits = [
                    "0123456789abcdef0123456789abcdef01234567" ] )

                """
        ),
        SpecCase(
            name: "custom without payload",
            spec: JobSpec(action: .custom(JobSpec.Custom(kind: "test-kind"))),
            text: """
                ( action = (
                    custom = (kind = "test-kind") ),
                  cacheHint = "" )

                """
        ),
    ]
}

@Suite struct JobSpecTests {
    static func message(_ spec: JobSpec) throws -> MessageBuilder {
        let message = MessageBuilder()
        try spec.write(to: message.initRoot(JobDescr.Builder.self))
        return message
    }

    static func read(_ frame: [UInt8]) throws -> JobSpec {
        try JobSpec(reading: try Framing.decode(frame).root(as: JobDescr.Reader.self))
    }

    @Test(arguments: SpecCase.all)
    func writeThenReadGivesTheSameSpec(_ job: SpecCase) throws {
        #expect(try Self.read(try Self.message(job.spec).serialize()) == job.spec)
    }

    @Test(arguments: SpecCase.all)
    func writtenSpecIsWhatCapnpExpects(_ job: SpecCase) throws {
        let printed = try CapnpTool.decode(try Self.message(job.spec), type: "JobDescr")
        #expect(printed == job.text, "capnp decode printed:\n\(printed)")
    }

    @Test(arguments: SpecCase.all, [false, true])
    func messageFromCapnpReadsAsTheSpec(_ job: SpecCase, packed: Bool) throws {
        let bytes = try CapnpTool.encode(job.text, type: "JobDescr", packed: packed)
        let descr = try CapnpTool.read(bytes, packed: packed).root(as: JobDescr.Reader.self)
        #expect(try JobSpec(reading: descr) == job.spec)
    }

    @Test func customPayloadRoundTrips() throws {
        let payload = JobSpec.Payload { root in root.setText("payload text") }
        let spec = JobSpec(action: .custom(JobSpec.Custom(kind: "k", payload: payload)))
        let read = try Self.read(try Self.message(spec).serialize())
        #expect(read == spec)
        guard case .custom(let custom) = read.action else {
            Issue.record("not a custom job")
            return
        }
        #expect(try custom.payload?.reader().readText() == "payload text")
    }

    @Test func emptyRepositoryAndNoCommitsReadAsNoSource() throws {
        let text = "(action = (obuilder = (spec = \"x\")), repository = \"\")"
        let descr = try CapnpTool.read(try CapnpTool.encode(text, type: "JobDescr")).root(as: JobDescr.Reader.self)
        #expect(try JobSpec(reading: descr).source == nil)
    }

    @Test func repositoryWithoutCommitsIsReadButNotValid() throws {
        // ocluster's worker builds an empty context for it; ocluster's client refuses to send it.
        let text = "(action = (obuilder = (spec = \"x\")), repository = \"https://example.org/x.git\")"
        let descr = try CapnpTool.read(try CapnpTool.encode(text, type: "JobDescr")).root(as: JobDescr.Reader.self)
        let spec = try JobSpec(reading: descr)
        #expect(spec.source == JobSpec.Source(repository: "https://example.org/x.git", commits: []))
        let error = #expect(throws: JobSpecError(.noCommits, "")) { try spec.validate() }
        #expect(error?.message == "No commits requested from repository \"https://example.org/x.git\"!")
    }
}

/// Every refusal, with ocluster's wording (`bin/client.ml`, `api/docker.ml`, `api/submission.ml`).
@Suite struct JobSpecValidationTests {
    func docker(_ fields: String) -> String {
        "(action = (dockerBuild = (dockerfile = (path = \"Dockerfile\")\(fields))))"
    }

    func readError(_ text: String) throws -> JobSpecError? {
        let descr = try CapnpTool.read(try CapnpTool.encode(text, type: "JobDescr")).root(as: JobDescr.Reader.self)
        return #expect(throws: JobSpecError.self) { try JobSpec(reading: descr) }
    }

    @Test func commitsWithoutRepository() {
        let spec = JobSpec(action: .obuilder(spec: ""), source: JobSpec.Source(repository: "", commits: ["abc"]))
        let error = #expect(throws: JobSpecError(.commitsWithoutRepository, "")) { try spec.validate() }
        #expect(error?.message == "BUG: commits but no repository!")
    }

    @Test func repositoryNamesAreQuotedAsOCamlDoes() {
        let spec = JobSpec(action: .obuilder(spec: ""), source: JobSpec.Source(repository: "a\"b\n", commits: []))
        let error = #expect(throws: JobSpecError(.noCommits, "")) { try spec.validate() }
        #expect(error?.message == "No commits requested from repository \"a\\\"b\\n\"!")
    }

    @Test func aValidSpecPasses() throws {
        for job in SpecCase.all { try job.spec.validate() }
    }

    @Test(arguments: [
        ("img", "Missing ':TAG' in target \"img\""),
        (":tag", "Repository empty in \":tag\""),
        ("img:", "Tag empty in \"img:\""),
    ])
    func badPushTargets(_ target: String, _ message: String) throws {
        let parsed = #expect(throws: JobSpecError(.invalidImageID, "")) { try JobSpec.ImageID(parsing: target) }
        #expect(parsed?.message == message)
        let read = try readError(docker(", pushTarget = \"\(target)\""))
        #expect(read?.code == .invalidImageID)
        #expect(read?.message == message)
    }

    @Test(arguments: [
        (JobSpec.ImageID(repository: "", tag: "t"), "Repository empty"),
        (JobSpec.ImageID(repository: "r", tag: ""), "Tag empty"),
        (JobSpec.ImageID(repository: "r", tag: "a:b"), "':' cannot appear in tag!"),
    ])
    func badImageIDsFromParts(_ id: JobSpec.ImageID, _ message: String) {
        let spec = JobSpec(action: .docker(JobSpec.Docker(push: JobSpec.Push(target: id))))
        let error = #expect(throws: JobSpecError(.invalidImageID, "")) { try spec.validate() }
        #expect(error?.message == message)
    }

    @Test func targetSplitsAtTheLastColon() throws {
        let id = try JobSpec.ImageID(parsing: "registry:5000/org/repo:tag")
        #expect(id == JobSpec.ImageID(repository: "registry:5000/org/repo", tag: "tag"))
        #expect(id.description == "registry:5000/org/repo:tag")
    }

    @Test func credentialsWithoutTarget() throws {
        for fields in [", pushUser = \"u\"", ", pushPassword = \"p\"", ", pushUser = \"u\", pushPassword = \"p\""] {
            let error = try readError(docker(fields))
            #expect(error?.code == .pushCredentialsWithoutTarget)
            #expect(error?.message == "push-user and push-password must be given with push-target")
        }
        #expect(throws: JobSpecError(.pushCredentialsWithoutTarget, "")) {
            try JobSpec.Push.checkFields(hasTarget: false, hasUser: true, hasPassword: false)
        }
    }

    @Test func incompleteCredentials() throws {
        for fields in [", pushTarget = \"i:t\", pushUser = \"u\"", ", pushTarget = \"i:t\", pushPassword = \"p\""] {
            let error = try readError(docker(fields))
            #expect(error?.code == .pushCredentialsIncomplete)
            #expect(error?.message == "push-user and push-password must be given (or not given) together")
        }
        #expect(throws: Never.self) {
            try JobSpec.Push.checkFields(hasTarget: true, hasUser: true, hasPassword: true)
            try JobSpec.Push.checkFields(hasTarget: true, hasUser: false, hasPassword: false)
            try JobSpec.Push.checkFields(hasTarget: false, hasUser: false, hasPassword: false)
        }
    }

    @Test func unknownAction() throws {
        let message = MessageBuilder()
        let descr = message.initRoot(JobDescr.Builder.self)
        try JobSpec(action: .obuilder(spec: "x")).write(to: descr)
        descr._builder.write(UInt16(7), at: 0)  // the action union's discriminant
        let error = #expect(throws: JobSpecError(.unknownAction, "")) { try JobSpecTests.read(message.serialize()) }
        #expect(error?.message == "Unknown action type 7")
    }

    @Test func unknownDockerfile() throws {
        let message = MessageBuilder()
        let descr = message.initRoot(JobDescr.Builder.self)
        let build = descr.action.initDockerBuild()
        build.dockerfile.path = "Dockerfile"
        build._builder.write(UInt16(9), at: 0)  // the dockerfile union's discriminant
        let error = #expect(throws: JobSpecError(.unknownDockerfile, "")) { try JobSpecTests.read(message.serialize()) }
        #expect(error?.message == "Unknown Dockerfile file")
    }

    @Test func malformedMessageKeepsItsCause() throws {
        var frame = try JobSpecTests.message(JobSpec(action: .obuilder(spec: "x"), cacheHint: "hint")).serialize()
        // Segment table (8 bytes), root pointer, JobDescr's data word, pointer 0 (action): the
        // next word is the cacheHint pointer. Make it a far pointer into a segment that is not there.
        let far: UInt64 = 0x0000_0005_0000_0002
        for index in 0..<8 { frame[32 + index] = UInt8(truncatingIfNeeded: far >> (8 * UInt64(index))) }
        let error = #expect(throws: JobSpecError(.malformed, "")) { try JobSpecTests.read(frame) }
        #expect(error?.cause is CapnProtoError)
    }
}
