// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging

/// How ``Connection/connect(progress:)`` tells a person that it is connecting, in the three ways
/// capnp-rpc-unix's `with_cap_exn` does for ocluster's CLIs.
public enum ConnectProgress: Sendable {
    /// Says nothing (for programs).
    case silent
    /// `Connecting to ADDR... ` before dialling, then `OK` or `ERROR` and a newline, written with
    /// `write` (ocluster's CLIs do this on stderr when it is not a terminal and info logs are off).
    case batch(write: @Sendable (String) -> Void)
    /// For a terminal: shows `[ connecting to ADDR ]` only if connecting takes longer than half a
    /// second, and rubs it out again once connected.
    case console(write: @Sendable (String) -> Void)
    /// Info log lines `Connecting to ADDR...` and `Connected to ADDR` (with `-v`).
    case log(Logger)
}
