// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A failure ocluster's CLIs do not catch (OCaml's `Failure` outside their error handler), which
/// Cmdliner reports as an internal error with exit status 125.
public typealias UncaughtFailure = CodedError<UncaughtFailureCode>

/// The one kind of ``UncaughtFailure``: OCaml's `Failure`.
public enum UncaughtFailureCode: ErrorCode {
    case failure
}

extension UncaughtFailure {
    /// A `Failure` worded `message`.
    public init(_ message: String) { self.init(.failure, message) }
}
