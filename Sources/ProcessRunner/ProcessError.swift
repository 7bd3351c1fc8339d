// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Why a child process could not be started or run.
public struct ProcessError: CodedErrorProtocol {
    /// A kind of failure. A struct over a private enum so new kinds are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case invalidCommand
            case spawnFailed
            case systemCall
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The command has no program, or asks for something contradictory.
        public static let invalidCommand = Code(.invalidCommand)
        /// `posix_spawn` failed: the program is missing or not executable, or a file it should
        /// read from cannot be opened.
        public static let spawnFailed = Code(.spawnFailed)
        /// Setting up the child's descriptors failed (`pipe2`, `socketpair`, `fcntl`).
        public static let systemCall = Code(.systemCall)

        public var description: String { "\(wrapped)" }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence for people saying what was wrong.
    public var message: String
    /// The `errno` value behind the failure, if there is one.
    public var errorNumber: Int32?

    /// Creates an error of the given kind.
    public init(_ code: Code, _ message: String, errorNumber: Int32? = nil) {
        self.code = code
        self.message = message
        self.errorNumber = errorNumber
    }

    public var description: String { message }

    /// `strerror` of `number`.
    static func text(_ number: Int32) -> String { SystemCalls.errorText(number) }
}
