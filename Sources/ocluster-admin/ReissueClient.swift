// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterClient

/// `reissue-client ID`: not in ocluster; run apart from ocluster's commands (see main.swift) so
/// that their list in ocluster's messages is unchanged.
struct ReissueClient: AsyncParsableCommand, CmdlinerCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-admin reissue-client",
        abstract: "Re-issue a client's capability for the scheduler's current address (prints its URI).",
        discussion: """
            For a scheduler that moved (another host, port or --capnp-public-address): the client's old \
            capability stops working and a new one is printed; redirect it to a .cap file. The client's rates \
            return to the default.
            """
    )
    static let synopsis = "reissue-client [--connect=ADDR] [OPTION]… ID"
    @OptionGroup var common: Common
    @Argument(help: ArgumentHelp("Unique name or ID for the client.", valueName: "ID")) var id: String?

    func run() async throws {
        try await common.run(requiring: [("ID", id)]) { try await $0.reissueClient(id ?? "") }
    }
}
