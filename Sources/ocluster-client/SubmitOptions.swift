// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProto
import Foundation
import OClusterAPI
import OClusterCLISupport
import OClusterClient

/// The options both submit commands share (ocluster's `submit_options_common`).
struct SubmitOptions: ParsableArguments {
    @OptionGroup var connect: ConnectOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: ArgumentHelp("The pool to use.", valueName: "ID"))
    var pool: String?

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

    /// What Cmdliner checks while parsing, in its order: the cap file, the pool, the secrets.
    func check() throws -> (capFile: String, pool: String, secrets: [(id: String, path: String)]) {
        let capFile = try connect.capFile()
        guard let pool = try pool ?? connect.selectedContext()?.pool else { throw UsageError.missingOption("--pool") }
        let secrets = try secrets.map { spec in
            guard let colon = spec.firstIndex(of: ":") else {
                throw UsageError("option '--secret': invalid value '\(spec)', missing a ':' separator", wraps: true)
            }
            let path = String(spec[spec.index(after: colon)...])
            guard FileManager.default.fileExists(atPath: path) else {
                throw UsageError(
                    "option '--secret': invalid element in pair ('\(spec)'): no '\(path)' file or directory",
                    wraps: true
                )
            }
            return (id: String(spec[..<colon]), path: path)
        }
        return (capFile, pool, secrets)
    }

    /// The job's source, checked as ocluster's client checks it before connecting.
    func source() throws -> JobSpec.Source? {
        guard let repository else { return nil }
        let source = JobSpec.Source(repository: repository, commits: commits)
        do {
            try source.validate()
        } catch {
            throw UncaughtFailure(error.message)
        }
        return source
    }
}

/// Cmdliner's `file` converter for an option: the path must exist.
func existingFile(_ path: String?, option: String) throws -> String? {
    guard let path else { return nil }
    guard FileManager.default.fileExists(atPath: path) else { throw UsageError.noSuchFile(path, option: option) }
    return path
}

/// A whole file, as ocluster reads specs, Dockerfiles and secrets (after connecting).
func readWholeFile(_ path: String) throws -> String {
    guard let contents = FileManager.default.contents(atPath: path) else {
        throw UncaughtFailure("Cannot read \(ocamlQuoted(path))")
    }
    return String(decoding: contents, as: UTF8.self)
}
