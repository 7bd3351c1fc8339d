// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser

/// A subcommand with Cmdliner's usage line, which ocluster's CLIs print under a parse error.
public protocol CmdlinerCommand: ParsableCommand {
    /// The usage after the program name, e.g. `show [--connect=ADDR] [--terse] [OPTION]… [POOL] [WORKER]`.
    static var synopsis: String { get }
}
