// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A command line ocluster's CLIs (Cmdliner programs) would refuse while parsing it: printed as
/// `PROG: MESSAGE`, the usage line and a hint, with exit status 124.
public struct UsageError: CodedError {
    /// What Cmdliner refused.
    public enum Code: Sendable, Hashable {
        /// A required positional argument is missing.
        case missingArgument
        /// A required option is missing.
        case missingOption
        /// An option names a file or directory that does not exist.
        case noSuchFile
        /// Any other refusal (a bad value, conflicting options…).
        case invalid
    }

    /// What kind of refusal this is.
    public var code: Code
    /// Cmdliner's sentence, without the program name.
    public var message: String
    /// Whether the usage line and the `Try … --help` hint follow (Cmdliner leaves them out for
    /// errors a command reports itself, such as conflicting options).
    public var showsUsage: Bool
    /// Whether the message is filled to the margin as Cmdliner fills converter errors.
    public var wraps: Bool

    /// An error.
    public init(_ message: String, code: Code = .invalid, showsUsage: Bool = true, wraps: Bool = false) {
        self.code = code
        self.message = message
        self.showsUsage = showsUsage
        self.wraps = wraps
    }

    public var description: String { message }

    /// `required argument POOL is missing`, or `required arguments POOL, ID are missing`.
    public static func missingArguments(_ names: [String]) -> UsageError {
        names.count == 1
            ? UsageError("required argument \(names[0]) is missing", code: .missingArgument)
            : UsageError("required arguments \(names.joined(separator: ", ")) are missing", code: .missingArgument)
    }

    /// `required option --pool is missing`.
    public static func missingOption(_ name: String) -> UsageError {
        UsageError("required option \(name) is missing", code: .missingOption)
    }

    /// Cmdliner's `file` converter: the path must exist.
    public static func noSuchFile(_ path: String, option: String) -> UsageError {
        UsageError("option '\(option)': no '\(path)' file or directory", code: .noSuchFile, wraps: true)
    }
}

/// A failure ocluster's CLIs do not catch (OCaml's `Failure` outside their error handler), which
/// Cmdliner reports as an internal error with exit status 125.
public struct UncaughtFailure: CodedError {
    /// The one kind: OCaml's `Failure`.
    public enum Code: Sendable, Hashable { case failure }

    /// Always ``Code/failure``.
    public var code: Code { .failure }
    /// The `Failure` message.
    public var message: String

    /// A failure.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A command that failed after printing what it had to say: the message (if any) goes to
/// stderr and the exit status is 1 (ocluster's `Failure msg -> prerr msg; exit 1`).
public struct CommandFailure: CodedError {
    /// The one kind: the command failed (exit status 1).
    public enum Code: Sendable, Hashable { case failed }

    /// Always ``Code/failed``.
    public var code: Code { .failed }
    /// What to print on stderr; empty when everything was printed already.
    public var message: String

    /// A failure.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
