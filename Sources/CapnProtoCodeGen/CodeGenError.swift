// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A request the generator cannot turn into Swift.
public struct CodeGenError: CodedError {
    /// What went wrong, for programs.
    public struct Code: Hashable, Sendable {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A node refers to an id the request does not contain.
        public static let unknownNode = Code("unknownNode")
        /// The request is not a valid CodeGeneratorRequest.
        public static let malformedRequest = Code("malformedRequest")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "capnpc-swift: \(message)" }
}
