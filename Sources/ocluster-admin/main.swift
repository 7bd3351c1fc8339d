// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import Foundation
import OClusterCLISupport

/// `ocluster-admin`: subcommands and flags as ocluster's (`bin/admin.ml`); wiring only.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-admin",
        abstract: "A command-line admin client for the ocluster-scheduler.",
        discussion: """
            Every command needs the scheduler's admin.cap: give it with -c/--connect (before or after the \
            command name), or as the first argument: ocluster-admin admin.cap show.
            """,
        subcommands: [
            AddClient.self, RemoveClient.self, ListClients.self, SetRate.self, Show.self, Exec.self, Pause.self,
            Unpause.self, Update.self, Forget.self,
        ]
    )
}

/// What every subcommand has: the cap file and the logging flags.
struct Common: ParsableArguments {
    @OptionGroup var connect: ConnectOptions
    @OptionGroup var logging: LoggingOptions

    /// Runs `body` on a session with the admin service; failures print and exit 1.
    func run(_ body: (AdminSession) async throws -> Void) async throws {
        guard let cap = connect.connect else {
            throw ValidationError("Missing -c/--connect: the path of the admin.cap file from ocluster-scheduler.")
        }
        logging.bootstrap()
        do {
            try await AdminSession.with(capFile: cap, body)
        } catch let failure as AdminFailure {
            if !failure.message.isEmpty { FileHandle.standardError.write(Data((failure.message + "\n").utf8)) }
            throw ExitCode(1)
        }
    }
}

let subcommandNames: Set<String> = [
    "add-client", "remove-client", "list-clients", "set-rate", "show", "exec", "pause", "unpause", "update",
    "forget", "pause-worker", "unpause-worker", "help",
]
let arguments = ConnectArgument.normalize(Array(CommandLine.arguments.dropFirst()), subcommands: subcommandNames)
await runCommand(AdminCommand.self, arguments)
