// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A command line ocluster's CLIs (Cmdliner programs) would refuse while parsing it: printed as
/// `PROG: MESSAGE`, the usage line and a hint, with exit status 124.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    /// Cmdliner's sentence, without the program name.
    public var message: String
    /// Whether the usage line and the `Try … --help` hint follow (Cmdliner leaves them out for
    /// errors a command reports itself, such as conflicting options).
    public var showsUsage: Bool
    /// Whether the message is filled to the margin as Cmdliner fills converter errors.
    public var wraps: Bool

    /// An error.
    public init(_ message: String, showsUsage: Bool = true, wraps: Bool = false) {
        self.message = message
        self.showsUsage = showsUsage
        self.wraps = wraps
    }

    public var description: String { message }

    /// `required argument POOL is missing`, or `required arguments POOL, ID are missing`.
    public static func missingArguments(_ names: [String]) -> UsageError {
        names.count == 1
            ? UsageError("required argument \(names[0]) is missing")
            : UsageError("required arguments \(names.joined(separator: ", ")) are missing")
    }

    /// `required option --pool is missing`.
    public static func missingOption(_ name: String) -> UsageError {
        UsageError("required option \(name) is missing")
    }

    /// Cmdliner's `file` converter: the path must exist.
    public static func noSuchFile(_ path: String, option: String) -> UsageError {
        UsageError("option '\(option)': no '\(path)' file or directory", wraps: true)
    }
}

/// A failure ocluster's CLIs do not catch (OCaml's `Failure` outside their error handler), which
/// Cmdliner reports as an internal error with exit status 125.
public struct UncaughtFailure: Error, Sendable, CustomStringConvertible {
    /// The `Failure` message.
    public var message: String

    /// A failure.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A command that failed after printing what it had to say: the message (if any) goes to
/// stderr and the exit status is 1 (ocluster's `Failure msg -> prerr msg; exit 1`).
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
    /// What to print on stderr; empty when everything was printed already.
    public var message: String

    /// A failure.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
