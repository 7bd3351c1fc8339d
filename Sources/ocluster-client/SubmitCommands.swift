// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterAPI

/// `submit-docker`.
struct SubmitDocker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-docker",
        abstract: "Submit a Docker build to the scheduler."
    )

    @OptionGroup var options: SubmitOptions

    @Option(
        name: .customLong("local-dockerfile"),
        help: "Path of the local Dockerfile to submit (its contents are sent)."
    )
    var localDockerfile: String?

    @Option(
        name: .customLong("context-dockerfile"),
        help: "Path of the Dockerfile within the commit (default: Dockerfile)."
    )
    var contextDockerfile: String?

    @Option(name: .customLong("push-to"), help: ArgumentHelp("Where to push the image.", valueName: "REPO:TAG"))
    var pushTo: String?

    @Option(name: .customLong("push-user"), help: "Docker registry user account to use when pushing.")
    var pushUser: String?

    @Option(name: .customLong("push-password"), help: "File containing the Docker registry password.")
    var pushPassword: String?

    @Option(name: .customLong("build-arg"), help: "Docker build argument.")
    var buildArgs: [String] = []

    @Flag(help: "Whether to squash the layers.")
    var squash = false

    @Flag(help: "Whether to use BuildKit to build.")
    var buildkit = false

    @Flag(name: .customLong("include-git"), help: "Include the .git clone in the build context.")
    var includeGit = false

    func validate() throws {
        if localDockerfile != nil, contextDockerfile != nil {
            throw ValidationError("Can't use --local-dockerfile and --context-dockerfile together!")
        }
    }

    func run() async throws {
        let dockerfile: JobRequest.Docker.Dockerfile =
            if let localDockerfile {
                .contents(try readFile(localDockerfile, for: "--local-dockerfile"))
            } else {
                .path(contextDockerfile ?? "Dockerfile")
            }
        // ocluster takes the first line of the password file.
        let password = try pushPassword.map {
            String(try readFile($0, for: "--push-password").split(separator: "\n", omittingEmptySubsequences: false)[0])
        }
        let docker = JobRequest.Docker(
            dockerfile: dockerfile,
            pushTarget: pushTo,
            pushUser: pushUser,
            pushPassword: password,
            buildArgs: buildArgs,
            squash: squash,
            buildkit: buildkit,
            includeGit: includeGit
        )
        try await submit(.docker(docker), options: options)
    }
}

/// `submit-obuilder`.
struct SubmitOBuilder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-obuilder",
        abstract: "Submit an OBuilder build to the scheduler."
    )

    @OptionGroup var options: SubmitOptions

    @Option(name: .customLong("local-file"), help: "Path of the local OBuilder spec to submit.")
    var localFile: String

    func run() async throws {
        try await submit(.obuilder(spec: try readFile(localFile, for: "--local-file")), options: options)
    }
}
