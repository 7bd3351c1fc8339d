// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterVersion

/// `ocluster-client`: submits a job and streams its log, with ocluster's subcommands and flags
/// (`bin/client.ml`). Wiring only: the flow is `OClusterClient`'s.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-client",
        abstract: "Submit jobs to an ocluster-scheduler and stream their logs.",
        discussion: """
            Every command needs a submission capability (a .cap file from `ocluster-admin add-client`, or \
            submission.cap): give it with -c/--connect, before or after the command name, or as the first \
            argument. The job's log is written to standard output as it arrives; the exit status says whether \
            the job succeeded; Ctrl-C cancels the job on the cluster. Without -c, the context named by \
            $OCLUSTER_CONTEXT or the current one is used (see `ocluster-client context --help`).
            """,
        version: OClusterVersion.current,
        subcommands: [SubmitDocker.self, SubmitOBuilder.self]
    )
}

// `context …` is parsed on its own, so ocluster's list of commands (in its messages) is unchanged.
if CommandLine.arguments.dropFirst().first == "context" {
    await runCommand(ContextCommand.self, Array(CommandLine.arguments.dropFirst(2)))
}
let subcommandNames: Set<String> = ["submit-docker", "submit-obuilder", "help"]
let arguments = ConnectArgument.normalize(Array(CommandLine.arguments.dropFirst()), subcommands: subcommandNames)
await runCommand(ClientCommand.self, arguments)
