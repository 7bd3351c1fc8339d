// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension JobSpec {
    /// Writes the job into a job description, as ocluster's `Submission.submit` fills one in.
    ///
    /// Writing does not check: call ``validate()`` first where the job comes from a user.
    ///
    /// - Throws: `CapnProtoError` when a custom payload cannot be copied in.
    public func write(to descr: JobDescr.Builder) throws {
        switch action {
        case .docker(let docker): docker.write(to: descr.action.initDockerBuild())
        case .obuilder(let spec): descr.action.initObuilder().spec = spec
        case .custom(let custom):
            let builder = descr.action.initCustom()
            builder.kind = custom.kind
            if let payload = custom.payload { try builder.payload.set(try payload.reader()) }
        }
        descr.cacheHint = cacheHint
        if let source {
            descr.repository = source.repository
            if !source.commits.isEmpty { descr.setCommits(source.commits) }
        }
        if !secrets.isEmpty {
            let list = descr.initSecrets(count: secrets.count)
            for (index, secret) in secrets.enumerated() {
                list[index].id = secret.id
                list[index].value = secret.value
            }
        }
    }
}

extension JobSpec.Docker {
    func write(to build: DockerBuild.Builder) {
        switch dockerfile {
        case .contents(let text): build.dockerfile.contents = text
        case .path(let path): build.dockerfile.path = path
        }
        if let push {
            build.pushTarget = push.target.description
            if let credentials = push.credentials {
                build.pushUser = credentials.user
                build.pushPassword = credentials.password
            }
        }
        if !buildArgs.isEmpty { build.setBuildArgs(buildArgs) }
        build.squash = squash
        build.buildkit = buildkit
        build.includeGit = includeGit
    }
}
