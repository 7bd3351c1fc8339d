// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner

/// The short commands the store and sandbox run for themselves (`rm`, `cp`, `runc delete`),
/// with a fixed `PATH` and their standard output and error collected together.
///
/// They run to the end even when the calling task is cancelled: most of them clean up after a
/// cancelled build.
enum HelperCommand {
    static let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    /// Runs `arguments` to completion, returning its exit status (128 + the signal number if a
    /// signal ended it) and its combined output.
    ///
    /// - Throws: ``OBuilderError/Code/sandbox`` if it cannot be started.
    static func run(
        _ arguments: [String],
        directory: String? = nil
    ) async throws(OBuilderError) -> (status: Int32, output: String) {
        let command = Command(
            label: arguments.first ?? "",
            arguments,
            environment: .exactly(environment),
            workingDirectory: directory
        )
        do {
            let outcome = try await ChildProcess.run(
                command,
                standardOutput: .collect,
                standardError: .sameAsStandardOutput,
                onCancel: .ignore
            )
            return (outcome.termination.shellStatus, String(decoding: outcome.standardOutput, as: UTF8.self))
        } catch {
            throw OBuilderError(.sandbox, error.message)
        }
    }

    /// Runs `arguments` and throws a ``OBuilderError/Code/store`` error with its output if it fails.
    static func check(_ arguments: [String], directory: String? = nil) async throws(OBuilderError) {
        let result = try await run(arguments, directory: directory)
        guard result.status == 0 else {
            let command = arguments.joined(separator: " ")
            throw OBuilderError(
                .store,
                "\(command) failed with exit status \(result.status): \(trimmed(result.output))"
            )
        }
    }

    /// Command output shortened for an error message: trimmed, at most 2000 characters.
    static func trimmed(_ output: String) -> String {
        var text = Substring(output)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return text.count > 2000 ? String(text.suffix(2000)) : String(text)
    }
}
