// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterWorker
import ProcessRunner
import TestSupport
import Testing

/// Runs a command and returns its trimmed standard output, failing the test on a non-zero exit.
@discardableResult
func shell(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
    try await ChildProcess.output(Command(label: arguments[0], arguments, environment: environment))
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

extension TemporaryDirectory {
    /// Writes an executable script to `relative` and returns its path. It is written under
    /// another name and installed by `install(1)`: a write descriptor of ours that a concurrently
    /// spawned child inherits would make running the script fail with "Text file busy".
    func writeExecutable(_ relative: String, _ text: String) async throws -> String {
        try write(relative + ".source", text)
        try await shell(["install", "-m", "755", path + "/" + relative + ".source", path + "/" + relative])
        return path + "/" + relative
    }
}
