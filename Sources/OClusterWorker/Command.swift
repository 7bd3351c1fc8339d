// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A subprocess to run for a job: what to run, what to feed it, and the name its failures
/// are reported under.
public struct Command: Sendable, Hashable, CustomStringConvertible {
    /// Names the step in error messages (`git-fetch failed with exit-code 128`).
    public var label: String
    /// The program (looked up in `PATH`) followed by its arguments.
    public var arguments: [String]
    /// Variables added to (or replacing those in) the worker's own environment.
    public var environment: [String: String]
    /// Bytes written to the process's standard input, which is then closed.
    public var standardInput: [UInt8]

    /// Creates a command.
    public init(
        label: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        standardInput: [UInt8] = []
    ) {
        self.label = label
        self.arguments = arguments
        self.environment = environment
        self.standardInput = standardInput
    }

    /// The command line with each argument quoted, for logs.
    public var description: String {
        arguments.map { "\"\($0)\"" }.joined(separator: " ")
    }
}

/// How a subprocess ended.
public enum Termination: Sendable, Hashable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it.
    case signalled(Int32)
}
