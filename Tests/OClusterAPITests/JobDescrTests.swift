// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI
import Testing

/// A JobDescr of one kind: how to build it, the text `capnp decode` must print for it, and what
/// the generated reader must find in `capnp encode`'s message of that text.
struct JobCase: Sendable, CustomTestStringConvertible {
    let name: String
    let build: @Sendable (JobDescr.Builder) -> Void
    let text: String
    /// The text to give `capnp encode` when `text` holds what the text format cannot express.
    var encodableText: String?
    let check: @Sendable (JobDescr.Reader) throws -> Void
    var testDescription: String { name }

    static let all: [JobCase] = [
        JobCase(
            name: "dockerBuild with contents",
            build: { job in
                let docker = job.action.initDockerBuild()
                docker.dockerfile.contents = "FROM alpine\nRUN echo \"hi\"\n"
                docker.pushTarget = "registry.example.org/img:tag"
                docker.pushUser = "user"
                docker.pushPassword = "secret"
                docker.setBuildArgs(["A=1", "B=2"])
                docker.squash = true
                docker.buildkit = true
                job.cacheHint = "alpine-hint"
                job.repository = "https://github.com/example/repo.git"
                job.setCommits(["0123abcd", "4567ef01"])
                let secrets = job.initSecrets(count: 1)
                secrets[0].id = "token"
                secrets[0].value = "s3cr3t"
            },
            text: """
                ( action = (
                    dockerBuild = (
                      dockerfile = (
                        contents = "FROM alpine\\nRUN echo \\"hi\\"\\n" ),
                      pushTarget = "registry.example.org/img:tag",
                      pushUser = "user",
                      pushPassword = "secret",
                      buildArgs = ["A=1", "B=2"],
                      squash = true,
                      buildkit = true,
                      includeGit = false ) ),
                  cacheHint = "alpine-hint",
                  repository = "https://github.com/example/repo.git",
                  commits = ["0123abcd", "4567ef01"],
                  secrets = [
                    (id = "token", value = "s3cr3t") ] )

                """,
            check: { job in
                guard case .dockerBuild(let docker) = try job.action.which else {
                    Issue.record("expected dockerBuild, got \(try job.action.which)")
                    return
                }
                guard case .contents(let contents) = try docker.dockerfile.which else {
                    Issue.record("expected dockerfile.contents")
                    return
                }
                #expect(contents == "FROM alpine\nRUN echo \"hi\"\n")
                #expect(try docker.pushTarget == "registry.example.org/img:tag")
                #expect(try docker.pushUser == "user")
                #expect(try docker.pushPassword == "secret")
                #expect(try docker.buildArgs.toArray() == ["A=1", "B=2"])
                #expect(docker.squash && docker.buildkit && !docker.includeGit)
                #expect(try job.cacheHint == "alpine-hint")
                #expect(try job.repository == "https://github.com/example/repo.git")
                #expect(try job.commits.toArray() == ["0123abcd", "4567ef01"])
                let secrets = try job.secrets
                #expect(secrets.count == 1)
                #expect(try secrets[0].id == "token")
                #expect(try secrets[0].value == "s3cr3t")
            }
        ),
        JobCase(
            name: "dockerBuild with path",
            build: { job in
                let docker = job.action.initDockerBuild()
                docker.dockerfile.path = "docker/Dockerfile"
                docker.includeGit = true
                job.repository = "https://github.com/example/repo.git"
                job.setCommits(["89abcdef"])
            },
            text: """
                ( action = (
                    dockerBuild = (
                      dockerfile = (
                        path = "docker/Dockerfile" ),
                      squash = false,
                      buildkit = false,
                      includeGit = true ) ),
                  repository = "https://github.com/example/repo.git",
                  commits = ["89abcdef"] )

                """,
            check: { job in
                guard case .dockerBuild(let docker) = try job.action.which else {
                    Issue.record("expected dockerBuild, got \(try job.action.which)")
                    return
                }
                guard case .path(let path) = try docker.dockerfile.which else {
                    Issue.record("expected dockerfile.path")
                    return
                }
                #expect(path == "docker/Dockerfile")
                #expect(!docker.hasPushTarget && !docker.hasBuildArgs)
                #expect(try docker.pushTarget == "")
                #expect(!docker.squash && !docker.buildkit && docker.includeGit)
                #expect(!job.hasCacheHint && !job.hasSecrets)
                #expect(try job.commits.toArray() == ["89abcdef"])
            }
        ),
        JobCase(
            name: "obuilder",
            build: { job in
                job.action.initObuilder().spec = "((from ocaml/opam) (run (shell \"make\")))"
                job.cacheHint = "opam"
                job.setCommits([])
            },
            text: """
                ( action = (
                    obuilder = (
                      spec = "((from ocaml/opam) (run (shell \\"make\\")))" ) ),
                  cacheHint = "opam",
                  commits = [] )

                """,
            check: { job in
                guard case .obuilder(let obuilder) = try job.action.which else {
                    Issue.record("expected obuilder, got \(try job.action.which)")
                    return
                }
                #expect(try obuilder.spec == "((from ocaml/opam) (run (shell \"make\")))")
                #expect(try job.cacheHint == "opam")
                #expect(job.hasCommits)
                #expect(try job.commits.count == 0)
            }
        ),
        JobCase(
            name: "custom with a payload",
            build: { job in
                let custom = job.action.initCustom()
                custom.kind = "secret-echo"
                let payload = Secret.Builder(
                    custom.payload.initStruct(dataWords: Secret.dataWordCount, pointerCount: Secret.pointerCount)
                )
                payload.id = "payload-id"
                payload.value = "payload-value"
                job.repository = "https://example.org/custom.git"
            },
            text: """
                ( action = (
                    custom = (
                      kind = "secret-echo",
                      payload = <opaque pointer> ) ),
                  repository = "https://example.org/custom.git" )

                """,
            encodableText: """
                (action = (custom = (kind = "secret-echo")), repository = "https://example.org/custom.git")
                """,
            check: { job in
                guard case .custom(let custom) = try job.action.which else {
                    Issue.record("expected custom, got \(try job.action.which)")
                    return
                }
                #expect(try custom.kind == "secret-echo")
                #expect(try job.repository == "https://example.org/custom.git")
                if custom.hasPayload {
                    let payload = Secret.Reader(try custom.payload.readStruct())
                    #expect(try payload.id == "payload-id")
                    #expect(try payload.value == "payload-value")
                }
            }
        ),
    ]
}

@Suite struct JobDescrTests {
    /// Built in Swift, printed by `capnp decode` exactly as expected.
    @Test(arguments: JobCase.all, [false, true])
    func swiftToCapnp(_ job: JobCase, packed: Bool) throws {
        let message = MessageBuilder()
        job.build(message.initRoot(JobDescr.Builder.self))
        let printed = try CapnpTool.decode(message, type: "JobDescr", packed: packed)
        #expect(printed == job.text, "capnp printed:\n\(printed)")
        let bytes = packed ? message.serializePacked() : message.serialize()
        try job.check(CapnpTool.read(bytes, packed: packed).root(as: JobDescr.Reader.self))
    }

    /// The expected text through `capnp encode`, read with the generated reader.
    @Test(arguments: JobCase.all, [false, true])
    func capnpToSwift(_ job: JobCase, packed: Bool) throws {
        let bytes = try CapnpTool.encode(job.encodableText ?? job.text, type: "JobDescr", packed: packed)
        try job.check(CapnpTool.read(bytes, packed: packed).root(as: JobDescr.Reader.self))
    }

    /// The AnyPointer payload of a custom job survives a trip through `capnp` (which cannot
    /// print it but copies it when converting between encodings).
    @Test func customPayloadSurvivesCapnp() throws {
        let message = MessageBuilder()
        JobCase.all[3].build(message.initRoot(JobDescr.Builder.self))
        let packed = try CapnpTool.run(["convert", "binary:packed"], input: message.serialize())
        let root = try CapnpTool.read(packed, packed: true).root(as: JobDescr.Reader.self)
        guard case .custom(let custom) = try root.action.which else {
            Issue.record("expected custom")
            return
        }
        #expect(custom.hasPayload)
        let payload = Secret.Reader(try custom.payload.readStruct())
        #expect(try payload.id == "payload-id")
        #expect(try payload.value == "payload-value")
    }

    /// Re-copying a received JobDescr (as the scheduler does when it hands a job to a worker)
    /// keeps every field.
    @Test(arguments: JobCase.all)
    func deepCopy(_ job: JobCase) throws {
        let original = MessageBuilder()
        job.build(original.initRoot(JobDescr.Builder.self))
        let source = try original.reader().root(as: JobDescr.Reader.self)
        let copy = MessageBuilder()
        try copy.rootPointer.setStruct(source._reader)
        #expect(try CapnpTool.decode(copy, type: "JobDescr") == job.text)
        try job.check(copy.reader().root(as: JobDescr.Reader.self))
    }
}
