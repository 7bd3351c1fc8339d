// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner

/// The `docker` command line client that the Docker store and sandbox drive, with the
/// environment it needs (`DOCKER_HOST`, `DOCKER_CONFIG`) added to the inherited one.
public struct DockerClient: Hashable, Sendable {
    /// The docker executable (a path, or a name looked up in PATH).
    public var executable: String
    /// Added to the inherited environment, e.g. `DOCKER_HOST`.
    public var environment: [String: String]

    public init(executable: String = "docker", environment: [String: String] = [:]) {
        self.executable = executable
        self.environment = environment
    }

    /// The command that runs `docker ARGUMENTS…`.
    func command(_ arguments: [String], standardInput: Command.Input = .none) -> Command {
        tool([executable] + arguments, standardInput: standardInput)
    }

    /// The command that runs `PROGRAM ARGUMENTS…` with the client's environment.
    private func tool(_ arguments: [String], standardInput: Command.Input = .none) -> Command {
        Command(
            label: arguments.first ?? "docker",
            arguments,
            environment: .inherited(adding: environment),
            standardInput: standardInput
        )
    }

    /// Runs `docker ARGUMENTS…` to the end, even if the task is cancelled (most runs clean up),
    /// and returns its exit status and its standard output and error together.
    func run(_ arguments: [String]) async throws(OBuilderError) -> (status: Int32, output: String) {
        try await execute([executable] + arguments)
    }

    /// Runs `PROGRAM ARGUMENTS…` (a pipeline through `docker`, say) as ``run(_:)`` does.
    func execute(_ arguments: [String]) async throws(OBuilderError) -> (status: Int32, output: String) {
        do {
            let outcome = try await ChildProcess.run(
                tool(arguments),
                standardOutput: .collect,
                standardError: .sameAsStandardOutput,
                onCancel: .ignore
            )
            return (outcome.termination.shellStatus, String(decoding: outcome.standardOutput, as: UTF8.self))
        } catch {
            throw OBuilderError(.sandbox, "cannot run \(arguments.first ?? executable): \(error.message)", cause: error)
        }
    }

    /// Runs `docker ARGUMENTS…` and returns its trimmed output, or throws `code` with the
    /// command and what it said.
    @discardableResult
    func check(_ arguments: [String], code: OBuilderError.Code = .store) async throws(OBuilderError) -> String {
        let result = try await run(arguments)
        let output = HelperCommand.trimmed(result.output)
        guard result.status == 0 else {
            let command = ([executable] + arguments).joined(separator: " ")
            throw OBuilderError(code, "\(command) failed with exit status \(result.status): \(output)")
        }
        return output
    }
}
