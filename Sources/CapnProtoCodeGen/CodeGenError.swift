// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A request the generator cannot turn into Swift.
public typealias CodeGenError = CodedError<CodeGenErrorCode>

/// A kind of ``CodeGenError``.
public struct CodeGenErrorCode: ErrorCode {
    private let name: String
    private init(_ name: String) { self.name = name }
    /// A node refers to an id the request does not contain.
    public static let unknownNode = Self("unknownNode")
    /// The request is not a valid CodeGeneratorRequest.
    public static let malformedRequest = Self("malformedRequest")

    /// `capnpc-swift: MESSAGE`, as the plugin reports it on stderr.
    public static func describe(_ error: CodeGenError) -> String { "capnpc-swift: \(error.message)" }
}
