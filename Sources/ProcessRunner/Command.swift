// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A child process to start: what to run, with which environment, in which directory, fed
/// from where, and the name its failures are reported under.
///
/// Output is not part of the command: ``ChildProcess/start(_:standardOutput:standardError:)``
/// says where it goes, so the same command can be logged, collected or discarded.
public struct Command: Sendable, CustomStringConvertible {
    /// Where the child's environment comes from.
    public enum Environment: Sendable, Hashable {
        /// This process's environment, with these variables added or replaced.
        case inherited(adding: [String: String])
        /// Exactly these `NAME=VALUE` entries and nothing else.
        case exactly([String])
    }

    /// What the child reads on its standard input.
    public enum Input: Sendable {
        /// `/dev/null`: the child reads end-of-file at once.
        case none
        /// This process's own standard input (an interactive command).
        case inherit
        /// These bytes, then end-of-file. They are written as the child reads them, so a child
        /// that writes a lot before reading cannot deadlock with its parent.
        case bytes([UInt8])
        /// The file at this path, opened read-only in the child.
        case file(String)
        /// A descriptor of the caller's; the caller keeps it and closes it after the start.
        case fileDescriptor(Int32)
        /// A socket connected to the child's standard input, handed to this function on a thread
        /// of its own, which may block writing to it; the socket is closed when it returns.
        /// Writes after the child has gone fail with `EPIPE` (use `send` with `MSG_NOSIGNAL`, or
        /// ignore `SIGPIPE`).
        case writer(@Sendable (Int32) -> Void)
    }

    /// Names the command in error messages (`git-fetch failed with exit-code 128`).
    public var label: String
    /// The program (looked up in this process's `PATH` unless it contains a `/`) followed by
    /// its arguments.
    public var arguments: [String]
    /// The child's environment.
    public var environment: Environment
    /// The child's working directory; `nil` keeps this process's.
    public var workingDirectory: String?
    /// The child's standard input.
    public var standardInput: Input
    /// Whether the child leads a process group of its own, so that ``ChildProcess/kill()``
    /// reaches everything it started. Interactive commands that should get the terminal's
    /// Ctrl-C turn it off.
    public var newProcessGroup: Bool

    /// Creates a command.
    ///
    /// - Parameters:
    ///   - label: the name used in error messages.
    ///   - arguments: the program and its arguments.
    ///   - environment: variables added to this process's environment.
    ///   - standardInput: bytes fed to the child, then end-of-file.
    public init(
        label: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        standardInput: [UInt8] = []
    ) {
        self.init(
            label: label,
            arguments,
            environment: .inherited(adding: environment),
            standardInput: .bytes(standardInput)
        )
    }

    /// Creates a command with every setting spelled out.
    public init(
        label: String,
        _ arguments: [String],
        environment: Environment,
        workingDirectory: String? = nil,
        standardInput: Input = .none,
        newProcessGroup: Bool = true
    ) {
        self.label = label
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
        self.newProcessGroup = newProcessGroup
    }

    /// The command line with each argument quoted, for logs.
    public var description: String {
        arguments.map { "\"\($0)\"" }.joined(separator: " ")
    }
}
