// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension JobSpec {
    /// Reads a job description (as `Queue.pop` returns it), refusing what ocluster's reader
    /// refuses.
    ///
    /// An empty repository with no commits reads as no source. A repository without commits is
    /// accepted here (a worker builds an empty context for it, as ocluster's does); only
    /// ``validate()``, the client's check, refuses it.
    ///
    /// - Throws: ``JobSpecError`` for an unknown action or Dockerfile kind, push fields that do not
    ///   go together, or a bad push target; with code ``JobSpecErrorCode/malformed`` and the
    ///   `CapnProtoError` as its cause when the message itself is broken.
    public init(reading descr: JobDescr.Reader) throws(JobSpecError) {
        do {
            let action: Action
            switch try descr.action.which {
            case .dockerBuild(let docker): action = .docker(try Docker(reading: docker))
            case .obuilder(let obuilder): action = .obuilder(spec: try obuilder.spec)
            case .custom(let custom):
                action = .custom(
                    Custom(
                        kind: try custom.kind,
                        payload: custom.hasPayload ? try Payload(copying: custom.payload) : nil
                    )
                )
            case ._unknown(let tag): throw JobSpecError(.unknownAction, "Unknown action type \(tag)")
            }
            let repository = try descr.repository
            let commits = try descr.commits.toArray()
            self.init(
                action: action,
                cacheHint: try descr.cacheHint,
                source: repository.isEmpty && commits.isEmpty ? nil : Source(repository: repository, commits: commits),
                secrets: try descr.secrets.map { Secret(id: try $0.id, value: try $0.value) }
            )
        } catch let error as JobSpecError {
            throw error
        } catch {
            throw JobSpecError(.malformed, "Malformed job description: \(error)", cause: error)
        }
    }
}

extension JobSpec.Docker {
    /// Reads a `DockerBuild` with ocluster's checks on the push fields.
    ///
    /// - Throws: ``JobSpecError`` (see ``JobSpec/init(reading:)``), or the `CapnProtoError` of a
    ///   malformed message.
    init(reading reader: DockerBuild.Reader) throws {
        let dockerfile: Dockerfile
        switch try reader.dockerfile.which {
        case .contents(let text): dockerfile = .contents(text)
        case .path(let path): dockerfile = .path(path)
        case ._unknown: throw JobSpecError(.unknownDockerfile, "Unknown Dockerfile file")
        }
        let target = try reader.pushTarget
        let user = try reader.pushUser
        let password = try reader.pushPassword
        try JobSpec.Push.checkFields(hasTarget: !target.isEmpty, hasUser: !user.isEmpty, hasPassword: !password.isEmpty)
        let push =
            target.isEmpty
            ? nil
            : JobSpec.Push(
                target: try JobSpec.ImageID(parsing: target),
                credentials: user.isEmpty ? nil : JobSpec.Credentials(user: user, password: password)
            )
        self.init(
            dockerfile: dockerfile,
            buildArgs: try reader.buildArgs.toArray(),
            squash: reader.squash,
            buildkit: reader.buildkit,
            includeGit: reader.includeGit,
            push: push
        )
    }
}
