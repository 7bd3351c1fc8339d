// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Testing

/// A domain that takes every default: it prints its message alone.
private enum PlainCode: ErrorCode {
    case first
    case second
}

private typealias PlainError = CodedError<PlainCode>

/// A lower-level failure for an error to wrap.
private struct Underlying: Error {}

/// The one error shape: a domain's codes, a message and a cause.
@Suite struct CodedErrorTests {
    @Test func equalityAndHashLookAtTheCodeOnly() {
        let one = PlainError(.first, "worded one way")
        let other = PlainError(.first, "worded another", cause: Underlying())
        #expect(one == other)
        #expect(Set([one, other]).count == 1)
        #expect(one != PlainError(.second, "worded one way"))
    }

    @Test func keepsTheCauseItWraps() {
        let error = PlainError(.first, "failed", cause: Underlying())
        #expect(error.cause is Underlying)
        #expect(PlainError(.first, "failed").cause == nil)
    }

    @Test func printsAsItsDomainChooses() {
        #expect("\(PlainError(.second, "just the message"))" == "just the message")
        #expect(
            "\(CapnProtoError(.truncatedFrame, "segment 0 ends early"))"
                == "CapnProtoError.truncatedFrame: segment 0 ends early"
        )
    }

    @Test func aDomainIsItsOwnType() {
        let error: any Error = PlainError(.first, "x")
        #expect(error is PlainError)
        #expect(!(error is CapnProtoError))
    }
}
