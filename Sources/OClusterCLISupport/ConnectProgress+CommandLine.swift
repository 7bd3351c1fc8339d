// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging
import OClusterClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ConnectProgress {
    /// What ocluster's CLIs show while connecting (capnp-rpc-unix's `Auto` mode): log lines when
    /// info messages are logged, a transient message on a terminal, else
    /// `Connecting to ADDR... OK` on stderr.
    public static func commandLine(_ verbosity: Verbosity) -> ConnectProgress {
        let stderr: @Sendable (String) -> Void = { CommandOutput.standard.writeErr(Array($0.utf8)) }
        switch verbosity {
        case .info, .debug: return .log(Logger(label: "capnp-rpc"))
        case .quiet, .error, .warning: return isatty(2) == 1 ? .console(write: stderr) : .batch(write: stderr)
        }
    }
}
