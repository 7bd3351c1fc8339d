// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// The one error type of OBuilder jobs: spec parsing, the sandbox, the snapshot store and builds.
///
/// Every failure has a stable ``Code`` (for programs) and a message (for people). Equality looks
/// at the code only, so tests can match on the kind of failure without pinning its wording.
public struct OBuilderError: CodedErrorProtocol {
    /// A kind of failure. A struct over a private enum so new kinds are not a breaking change.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case syntax
            case invalidSpec
            case unknownBaseImage
            case imageFetch
            case missingSecret
            case invalidCopy
            case stepFailed
            case cancelled
            case sandbox
            case store
            case fileSystem
            case invalidStore
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The spec text is not a well-formed S-expression (unbalanced parentheses, bad string).
        public static let syntax = Code(.syntax)
        /// The S-expression is well formed but is not a valid spec (unknown operation, bad field).
        public static let invalidSpec = Code(.invalidSpec)
        /// `(from IMAGE)` names an image that neither the base-image directory nor the registry holds,
        /// or is not a valid image reference.
        public static let unknownBaseImage = Code(.unknownBaseImage)
        /// A `(from IMAGE)` image could not be fetched: registry unreachable, credentials refused,
        /// a corrupt or truncated layer, or no space to extract it.
        public static let imageFetch = Code(.imageFetch)
        /// A `run` step asks for a secret that the job did not provide.
        public static let missingSecret = Code(.missingSecret)
        /// A `copy` step names a missing source, uses `..`, or copies several items to a non-directory.
        public static let invalidCopy = Code(.invalidCopy)
        /// A step's command exited with a non-zero status (see ``OBuilderError/exitCode``).
        public static let stepFailed = Code(.stepFailed)
        /// The build was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The sandbox (runc) could not be set up or run.
        public static let sandbox = Code(.sandbox)
        /// The snapshot store could not create, mount or delete a snapshot.
        public static let store = Code(.store)
        /// Reading or writing a file failed.
        public static let fileSystem = Code(.fileSystem)
        /// A store spec (`--obuilder-store`, `--rsync-mode`) is malformed or names a store this
        /// platform cannot run.
        public static let invalidStore = Code(.invalidStore)

        public var description: String { "\(wrapped)" }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence for people saying what was wrong.
    public var message: String
    /// Where in the spec text the problem is, for ``Code/syntax`` and ``Code/invalidSpec``.
    public var position: SourcePosition?
    /// The exit status of the failed command, for ``Code/stepFailed``.
    public var exitCode: Int32?
    /// The error this one reports, if any.
    public var cause: (any Error)?

    /// Creates an error of the given kind.
    public init(
        _ code: Code,
        _ message: String,
        position: SourcePosition? = nil,
        exitCode: Int32? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.position = position
        self.exitCode = exitCode
        self.cause = cause
    }

    /// The message, prefixed with the spec position when there is one.
    public var description: String {
        if let position { return "\(position): \(message)" }
        return message
    }
}
