// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import Foundation
import OClusterAPI
import OClusterCLISupport

/// The options both submit commands share (ocluster's `submit_options`).
struct SubmitOptions: ParsableArguments {
    @OptionGroup var connect: ConnectOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: ArgumentHelp("The pool to use.", valueName: "ID"))
    var pool: String

    @Option(name: .customLong("cache-hint"), help: "Hint used to group similar builds to improve caching.")
    var cacheHint = ""

    @Flag(help: "Add job to the urgent queue.")
    var urgent = false

    @Option(
        name: .customLong("secret"),
        help: ArgumentHelp("Provide a secret under the form id:file.", valueName: "ID:FILE")
    )
    var secrets: [String] = []

    @Argument(help: ArgumentHelp("URL of the source Git repository.", valueName: "URL"))
    var repository: String?

    @Argument(help: ArgumentHelp("Git commit to use as context (full commit hash).", valueName: "HASH"))
    var commits: [String] = []

    /// Reads `--secret ID:FILE` values (the file's content is the secret).
    func readSecrets() throws -> [(id: String, value: String)] {
        try secrets.map { spec in
            guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
                throw ValidationError("--secret \"\(spec)\": expected ID:FILE")
            }
            let path = String(spec[spec.index(after: colon)...])
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--secret \"\(spec)\": cannot read \"\(path)\"")
            }
            return (id: String(spec[..<colon]), value: String(decoding: contents, as: UTF8.self))
        }
    }

    /// The cap file, which every submit needs.
    func capFile() throws -> String {
        guard let cap = connect.connect else {
            throw ValidationError("Missing -c/--connect: the path of a submission .cap file.")
        }
        return cap
    }
}

/// Reads a whole text file for an option, with a clear error naming the option.
func readFile(_ path: String, for option: String) throws -> String {
    guard let contents = FileManager.default.contents(atPath: path) else {
        throw ValidationError("\(option) \"\(path)\": cannot read the file")
    }
    return String(decoding: contents, as: UTF8.self)
}
