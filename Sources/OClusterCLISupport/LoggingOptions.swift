// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import Logging

/// How much to log; the values of ocluster's `--verbosity`.
public enum Verbosity: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Nothing at all.
    case quiet
    /// Errors only.
    case error
    /// Warnings and errors (the default).
    case warning
    /// Also progress messages.
    case info
    /// Everything.
    case debug
}

/// ocluster's common logging options (Cmdliner's `Logs_cli`): `-v`/`--verbose` (repeatable), `-q`/`--quiet`,
/// `--verbosity LEVEL`, and `--color WHEN` (accepted; output is never colored).
public struct LoggingOptions: ParsableArguments, Sendable {
    /// `-v` once for info, twice for debug.
    @Flag(
        name: [.customShort("v"), .customLong("verbose")],
        help: "Increase verbosity. Repeatable, but more than twice does not bring more."
    )
    public var verbose: Int

    /// `-q`: no log messages at all.
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Be quiet. Takes over -v and --verbosity.")
    public var quiet = false

    /// `--verbosity`.
    @Option(name: .customLong("verbosity"), help: "Be more or less verbose: quiet, error, warning, info or debug.")
    public var verbosity: Verbosity?

    /// `--color`, for compatibility only.
    @Option(
        name: .customLong("color"),
        help: ArgumentHelp("Colorize the output: auto, always or never (ignored).", valueName: "WHEN")
    )
    public var color: String?

    /// Creates the default options.
    public init() {}

    /// The effective verbosity.
    public var effectiveVerbosity: Verbosity {
        if quiet { return .quiet }
        if let verbosity { return verbosity }
        switch verbose {
        case 0: return .warning
        case 1: return .info
        default: return .debug
        }
    }

    /// Installs the ocluster-style log handler (stderr) at this verbosity. Call once per process.
    public func bootstrap() {
        let verbosity = effectiveVerbosity
        LoggingSystem.bootstrap { label in OClusterLogHandler(label: label, verbosity: verbosity) }
    }
}
