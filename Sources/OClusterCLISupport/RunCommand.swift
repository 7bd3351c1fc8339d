// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser

/// Parses `arguments` (without the program name) for `command` and runs the chosen (sub)command, async or
/// not; on failure prints the usage or error and exits as ArgumentParser does.
public func runCommand(_ command: any ParsableCommand.Type, _ arguments: [String]) async {
    do {
        var parsed = try command.parseAsRoot(arguments)
        if var asyncCommand = parsed as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try parsed.run()
        }
    } catch {
        command.exit(withError: error)
    }
}
