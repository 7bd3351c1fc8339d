// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import Foundation
import OBuilder
import OClusterCLISupport
import OClusterVersion
import OClusterWorker

/// `ocluster-obuilder`: obuilder's maintenance CLI (`main.ml`) for a worker's store. Wiring only.
@main
struct OBuilderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocluster-obuilder",
        abstract: "a command-line interface for OBuilder",
        discussion: """
            Works on the store an ocluster-worker uses (--store as its --obuilder-store): build a spec locally to \
            reproduce a job, run the worker's self-test, delete or clean cached results, or print a spec as a \
            Dockerfile. Stop the worker before cleaning its store.
            """,
        version: OClusterVersion.current,
        subcommands: [Build.self, Delete.self, Clean.self, Dockerfile.self, Healthcheck.self]
    )
}

/// Writes to standard output or error without buffering surprises between the two.
func emit(_ text: String, error: Bool = false) {
    FileHandle(fileDescriptor: error ? 2 : 1).write(Data(text.utf8))
}

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build a spec file.")

    @OptionGroup var store: StoreOptions
    @Option(name: .customShort("f"), help: ArgumentHelp("Path of build spec file.", valueName: "FILE"))
    var spec: String
    @Option(
        name: .customLong("secret"),
        parsing: .singleValue,
        help: ArgumentHelp("Provide a secret under the form id:file.", valueName: "SECRET")
    )
    var secrets: [String] = []
    @Argument(help: ArgumentHelp("Directory containing the source files.", valueName: "DIR"))
    var sourceDirectory: String
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        var values: [String: String] = [:]
        for secret in secrets {
            guard let colon = secret.firstIndex(of: ":") else {
                throw ValidationError("--secret must be id:file, not \(secret)")
            }
            let file = String(secret[secret.index(after: colon)...])
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read the secret file \(file)")
            }
            values[String(secret[..<colon])] = text
        }
        guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else {
            throw ValidationError("cannot read the spec file \(spec)")
        }
        do {
            _ = try OBuilderSpec.parse(text)
        } catch {
            // obuilder prints a spec error on standard output.
            emit(error.description + "\n")
            throw ExitCode(1)
        }
        let tool = try await store.open()
        do {
            let id = try await tool.build(spec: text, sourceDirectory: sourceDirectory, secrets: values) { emit($0) }
            emit("Got: \"\(id)\"\n")
        } catch {
            emit(
                error.code == .cancelled ? "Cancelled at user's request\n" : "Build step failed: \(error)\n",
                error: true
            )
            throw ExitCode(1)
        }
    }
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Recursively delete a cached build result."
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The ID of a build within the store.", valueName: "ID")) var id: String
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        try await store.open().delete(id) { emit("Removing \($0)\n") }
    }
}

struct Clean: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Clean all cached build results.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let count = try await store.open().clean { emit("Removing \($0)\n") }
        emit("Removed \(count) items\n")
    }
}

struct Dockerfile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dockerfile",
        abstract: "Convert a spec to Dockerfile format."
    )

    @Flag(name: .customLong("buildkit"), help: "Output extended BuildKit syntax.") var buildkit = false
    @Option(
        name: .customLong("escape"),
        help: ArgumentHelp("Dockerfile escape style, must be one of unix or windows.", valueName: "STYLE")
    )
    var escape = "unix"
    @Option(name: .customShort("f"), help: ArgumentHelp("Path of build spec file.", valueName: "FILE"))
    var spec: String
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard let style = OBuilderSpec.DockerfileStyle(rawValue: escape) else {
            throw ValidationError("option '--escape': invalid value '\(escape)', expected either 'unix' or 'windows'")
        }
        guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else {
            throw ValidationError("cannot read the spec file \(spec)")
        }
        do {
            emit(try OBuilderSpec.parse(text).dockerfile(buildkit: buildkit, style: style) + "\n")
        } catch {
            emit(error.description + "\n", error: true)
            throw ExitCode(1)
        }
    }
}

struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck", abstract: "Perform a self-test")

    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let tool = try await store.open()
        do {
            try await tool.backend.builder.healthcheck()
            emit("Healthcheck passed\n")
        } catch {
            emit("Healthcheck failed: \(error)\n", error: true)
            throw ExitCode(1)
        }
    }
}
