// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterClient

/// What every subcommand has: the cap file and the logging flags.
struct Common: ParsableArguments {
    @OptionGroup var connect: ConnectOptions
    @OptionGroup var logging: LoggingOptions

    /// Checks the required positional arguments (all are optional to ArgumentParser, so that
    /// missing ones are reported as Cmdliner reports them), then runs `body` on a session with
    /// the admin service.
    func run(
        requiring arguments: [(name: String, value: String?)] = [],
        _ body: (AdminSession) async throws -> Void
    ) async throws {
        try Self.require(arguments)
        let capFile = try connect.capFile()
        logging.bootstrap()
        let connection = try Connection(capFile: capFile)
        try await connection.withService(progress: .commandLine(logging.effectiveVerbosity)) { service in
            try await body(AdminSession(admin: service))
        }
    }

    /// Fails as Cmdliner does when required positional arguments are missing.
    static func require(_ arguments: [(name: String, value: String?)]) throws {
        let missing = arguments.filter { $0.value == nil }.map(\.name)
        if !missing.isEmpty { throw UsageError.missingArguments(missing) }
    }
}
