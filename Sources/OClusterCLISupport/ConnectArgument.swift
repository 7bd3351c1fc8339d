// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// Lets the cap file come before the subcommand, as ocluster's CLIs allow.
public enum ConnectArgument {
    /// Rewrites `ARGS` so that ArgumentParser sees the subcommand first:
    ///
    /// - `-c CAP cmd …` and `--connect CAP cmd …` → `cmd -c CAP …` (ocluster's `Options.argv`);
    /// - `--connect=CAP cmd …` → `cmd --connect=CAP …`;
    /// - `CAP cmd …`, where CAP is a `capnp://` URI or an existing file and not a subcommand → `cmd -c CAP …`.
    ///
    /// - Parameters:
    ///   - arguments: the arguments without the program name.
    ///   - subcommands: the names the program accepts as its first argument.
    public static func normalize(_ arguments: [String], subcommands: Set<String>) -> [String] {
        guard let first = arguments.first else { return arguments }
        if first == "-c" || first == "--connect", arguments.count >= 2 {
            return moved([first, arguments[1]], rest: Array(arguments.dropFirst(2)))
        }
        if first.hasPrefix("--connect=") {
            return moved([first], rest: Array(arguments.dropFirst()))
        }
        if !first.hasPrefix("-"), !subcommands.contains(first),
            first.hasPrefix("capnp://") || FileManager.default.fileExists(atPath: first)
        {
            return moved(["-c", first], rest: Array(arguments.dropFirst()))
        }
        return arguments
    }

    private static func moved(_ connect: [String], rest: [String]) -> [String] {
        guard let command = rest.first else { return [] }
        return [command] + connect + rest.dropFirst()
    }
}
