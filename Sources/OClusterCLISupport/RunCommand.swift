// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProto
import Foundation
import OClusterClient
import OClusterVersion

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses `arguments` (without the program name) for `root` and runs the chosen (sub)command,
/// then exits as ocluster's Cmdliner programs do:
///
/// - `--version` anywhere prints ``OClusterVersion/current``; `--help` prints the help (exit 0);
/// - a command line Cmdliner would refuse prints its message, usage line and hint (exit 124);
///   subcommands may be abbreviated to a unique prefix;
/// - ``OClusterClientError`` prints its message on stderr (exit 1);
/// - ``UncaughtFailure`` prints Cmdliner's internal error (exit 125).
public func runCommand(_ root: any ParsableCommand.Type, _ arguments: [String]) async -> Never {
    let program = root.configuration.commandName ?? "command"
    let options = Array(arguments.prefix { $0 != "--" })
    if options.contains("--version") { finish(out: OClusterVersion.current + "\n", status: 0) }
    var arguments = arguments.map { $0.hasPrefix("--help=") && options.contains($0) ? "--help" : $0 }
    let subcommands = root.configuration.subcommands
    var command: (name: String, type: any ParsableCommand.Type)?
    if !subcommands.isEmpty {
        let names = subcommands.compactMap { $0.configuration.commandName }.sorted()
        guard let first = arguments.first, !first.hasPrefix("-") || first == "--help" || first == "-h" else {
            report(
                UsageError("required COMMAND name is missing, \(CmdlinerReport.choices(names))."),
                program,
                nil,
                single: false
            )
        }
        if first != "--help", first != "-h", first != "help" {
            guard let match = resolve(first, among: subcommands) else {
                report(
                    UsageError("unknown command '\(first)', \(CmdlinerReport.choices(names))."),
                    program,
                    nil,
                    single: false
                )
            }
            arguments[0] = match.name
            command = match
        }
    }
    let single = subcommands.isEmpty
    let parsed = parse(root, arguments, program, command, single: single)
    do {
        try await run(parsed)
        finish(status: 0)
    } catch let error as UsageError {
        report(error, program, command, single: single)
    } catch let failure as OClusterClientError {
        finish(err: failure.message.isEmpty ? "" : failure.message + "\n", status: 1)
    } catch let failure as UncaughtFailure {
        finish(err: CmdlinerReport.internalError(failure, program: program), status: 125)
    } catch {
        exitAsArgumentParser(root, error)
    }
}

/// Prints `error` and exits as ArgumentParser's `exit(withError:)` does (help on stdout, status 0;
/// anything else on stderr).
private func exitAsArgumentParser(_ root: any ParsableCommand.Type, _ error: any Error) -> Never {
    let message = root.fullMessage(for: error)
    let status = root.exitCode(for: error).rawValue
    let text = message.isEmpty ? "" : message + "\n"
    if status == 0 { finish(out: text, status: 0) } else { finish(err: text, status: status) }
}

/// The parsed command, or the process ends with ArgumentParser's help or Cmdliner's usage error.
private func parse(
    _ root: any ParsableCommand.Type,
    _ arguments: [String],
    _ program: String,
    _ command: (name: String, type: any ParsableCommand.Type)?,
    single: Bool
) -> any ParsableCommand {
    do {
        return try root.parseAsRoot(arguments)
    } catch let clean as CleanExit {
        exitAsArgumentParser(root, clean)
    } catch {
        report(usageError(for: root.message(for: error)), program, command, single: single)
    }
}

private func run(_ command: any ParsableCommand) async throws {
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        var command = command
        try command.run()
    }
}

/// The subcommand `name` names: its own name or alias, or a prefix of exactly one name.
private func resolve(
    _ name: String,
    among subcommands: [any ParsableCommand.Type]
) -> (name: String, type: any ParsableCommand.Type)? {
    for type in subcommands {
        let configuration = type.configuration
        if let own = configuration.commandName, own == name || configuration.aliases.contains(name) {
            return (own, type)
        }
    }
    let matches = subcommands.filter { $0.configuration.commandName?.hasPrefix(name) ?? false }
    guard matches.count == 1, let own = matches[0].configuration.commandName else { return nil }
    return (own, matches[0])
}

/// ArgumentParser's message for a command line it refused, in Cmdliner's words.
private func usageError(for message: String) -> UsageError {
    func capture(_ prefix: String, _ suffix: String = "'") -> Substring? {
        guard message.hasPrefix(prefix) else { return nil }
        let rest = message.dropFirst(prefix.count)
        guard let end = rest.range(of: suffix) else { return nil }
        return rest[..<end.lowerBound]
    }
    if let option = capture("Unknown option '") {
        return UsageError("unknown option '\(option)'.")
    }
    if let value = capture("Unexpected argument '") {
        return UsageError("too many arguments, don't know what to do with '\(value)'")
    }
    if message.first?.isNumber == true, let list = message.range(of: " unexpected arguments: ") {
        return UsageError("too many arguments, don't know what to do with \(message[list.upperBound...])")
    }
    if let missing = capture("Missing expected argument '") {
        let name = missing.split(separator: " ")[0]
        return name.hasPrefix("-")
            ? UsageError.missingOption(String(name))
            : UsageError.missingArguments([name.trimmingCharacters(in: ["<", ">"]).uppercased()])
    }
    if let option = capture("Missing value for '") {
        return UsageError("option '\(option.split(separator: " ")[0])' needs an argument")
    }
    if let option = capture("The option '"),
        let value = capture("The option '\(option)' does not take any value, but '")
    {
        return UsageError("option '\(option)' is a flag, it cannot take the argument '\(value)'")
    }
    if let value = capture("The value '"), message.contains("'--verbosity <verbosity>'") {
        return UsageError(
            "option '--verbosity': invalid value '\(value)', expected one of 'warning', 'quiet', 'error', "
                + "'warning', 'info' or 'debug'",
            wraps: true
        )
    }
    if let value = capture("The value '"), message.contains("'--listen-prometheus <[ADDR:]PORT>'") {
        // Cmdliner's words for ocluster's integer option, naming the address form this one also takes.
        return UsageError("option '--listen-prometheus': invalid value '\(value)', expected PORT or ADDR:PORT")
    }
    return UsageError(message)
}

private func report(
    _ error: UsageError,
    _ program: String,
    _ command: (name: String, type: any ParsableCommand.Type)?,
    single: Bool
) -> Never {
    let usage: CmdlinerReport.Usage =
        if single {
            .single
        } else if let command {
            .subcommand(command.name, synopsis: (command.type as? any CmdlinerCommand.Type)?.synopsis ?? "[OPTION]…")
        } else {
            .group
        }
    finish(err: CmdlinerReport.usageError(error, program: program, usage: usage), status: 124)
}

private func finish(out: String = "", err: String = "", status: Int32) -> Never {
    for (descriptor, text) in [(Int32(1), out), (2, err)] where !text.isEmpty {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
    }
    exit(status)
}
