// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// Expects `body` to throw `expected`, its message included: a coded error's equality compares
/// codes only, and these messages are the ones ocluster's peers see.
func expectCodedError<E: CodedErrorProtocol, R>(
    _ expected: E,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) {
    let error = #expect(throws: E.self, sourceLocation: sourceLocation) { _ = try body() }
    #expect(error?.code == expected.code, sourceLocation: sourceLocation)
    #expect(error?.message == expected.message, sourceLocation: sourceLocation)
}
