// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A command line ocluster's CLIs (Cmdliner programs) would refuse while parsing it: printed as
/// `PROG: MESSAGE`, the usage line and a hint, with exit status 124.
public struct UsageError: CodedErrorProtocol {
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
