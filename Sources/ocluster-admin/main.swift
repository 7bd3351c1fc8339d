// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterVersion

/// `ocluster-admin`: subcommands and flags as ocluster's (`bin/admin.ml`); wiring only.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-admin",
        abstract: "A command-line admin client for the ocluster-scheduler.",
        discussion: """
            Every command needs the scheduler's admin.cap: give it with -c/--connect (before or after the \
            command name), or as the first argument: ocluster-admin admin.cap show. Without it, the context named by \
            $OCLUSTER_CONTEXT or the current one is used (see `ocluster-client context --help`). Also: \
            `ocluster-admin reissue-client ID` re-issues a client's capability for the scheduler's current address.
            """,
        version: OClusterVersion.current,
        subcommands: [
            AddClient.self, RemoveClient.self, ListClients.self, SetRate.self, Show.self, Exec.self, Pause.self,
            Unpause.self, Update.self, Forget.self,
        ]
    )
}

let subcommandNames: Set<String> = [
    "add-client", "remove-client", "list-clients", "set-rate", "show", "exec", "pause", "unpause", "update",
    "forget", "pause-worker", "unpause-worker", "help",
]
let arguments = ConnectArgument.normalize(
    Array(CommandLine.arguments.dropFirst()),
    subcommands: subcommandNames.union(["reissue-client"])
)
// Commands ocluster does not have are parsed on their own, so its list of commands is unchanged.
if arguments.first == "reissue-client" { await runCommand(ReissueClient.self, Array(arguments.dropFirst())) }
await runCommand(AdminCommand.self, arguments)
