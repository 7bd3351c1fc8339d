// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProto
import OClusterAPI
import OClusterCLISupport

/// `submit-docker`.
struct SubmitDocker: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-docker",
        abstract: "Submit a Docker build to the scheduler."
    )
    static let synopsis = "submit-docker [OPTION]… [URL] [HASH]…"

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

    @Option(name: .customLong("push-to"), help: ArgumentHelp("Where to docker-push the result.", valueName: "REPO:TAG"))
    var pushTo: String?

    @Option(name: .customLong("push-user"), help: "Docker registry user account to use when pushing.")
    var pushUser: String?

    @Option(name: .customLong("push-password"), help: "File containing Docker registry password.")
    var pushPassword: String?

    @Option(name: .customLong("build-arg"), help: "Docker build argument.")
    var buildArgs: [String] = []

    @Flag(help: "Whether to squash the layers.")
    var squash = false

    @Flag(help: "Whether to use BuildKit to build.")
    var buildkit = false

    @Flag(name: .customLong("include-git"), help: "Include the .git clone in the build context.")
    var includeGit = false

    func run() async throws {
        let checked = try options.check()
        let local = try existingFile(localDockerfile, option: "--local-dockerfile")
        if local != nil, contextDockerfile != nil {
            throw UsageError("Can't use --local-dockerfile and --context-dockerfile together!", showsUsage: false)
        }
        let push = try pushTarget()
        let source = try options.source()
        try await submitAndFollow(options, checked, source: source) {
            let dockerfile: JobSpec.Docker.Dockerfile =
                if let local { .contents(try readWholeFile(local)) } else { .path(contextDockerfile ?? "Dockerfile") }
            return .docker(
                JobSpec.Docker(
                    dockerfile: dockerfile,
                    buildArgs: buildArgs,
                    squash: squash,
                    buildkit: buildkit,
                    includeGit: includeGit,
                    push: push
                )
            )
        }
    }

    /// `--push-to`, `--push-user` and `--push-password` as ocluster's client reads them: the
    /// target and password file are checked while parsing, a bad combination is its `Failure`.
    private func pushTarget() throws -> JobSpec.Push? {
        var target: JobSpec.ImageID?
        if let pushTo {
            do {
                target = try JobSpec.ImageID(parsing: pushTo)
            } catch {
                throw UsageError("option '--push-to': \(error.message)", wraps: true)
            }
        }
        let passwordFile = try existingFile(pushPassword, option: "--push-password")
        do {
            try JobSpec.Push.checkFields(
                hasTarget: target != nil,
                hasUser: pushUser != nil,
                hasPassword: passwordFile != nil
            )
        } catch {
            // The same rule in the words of ocluster's command line, which names the flags.
            switch error.code {
            case .pushCredentialsWithoutTarget:
                throw UncaughtFailure("Must use --push-to with --push-user/--push-password")
            default:
                throw UncaughtFailure("Must use --push-user with --push-password")
            }
        }
        guard let target else { return nil }
        guard let pushUser, let passwordFile else { return JobSpec.Push(target: target) }
        // ocluster takes the first line of the password file.
        let password = try readWholeFile(passwordFile).split(separator: "\n", omittingEmptySubsequences: false)[0]
        return JobSpec.Push(
            target: target,
            credentials: JobSpec.Credentials(user: pushUser, password: String(password))
        )
    }
}

/// `submit-obuilder`.
struct SubmitOBuilder: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-obuilder",
        abstract: "Submit an OBuilder build to the scheduler."
    )
    static let synopsis = "submit-obuilder [OPTION]… [URL] [HASH]…"

    @OptionGroup var options: SubmitOptions

    @Option(name: .customLong("local-file"), help: "Path of the local OBuilder spec to submit.")
    var localFile: String?

    func run() async throws {
        let checked = try options.check()
        guard let localFile else { throw UsageError.missingOption("--local-file") }
        let spec = try existingFile(localFile, option: "--local-file") ?? localFile
        let source = try options.source()
        try await submitAndFollow(options, checked, source: source) { .obuilder(spec: try readWholeFile(spec)) }
    }
}
