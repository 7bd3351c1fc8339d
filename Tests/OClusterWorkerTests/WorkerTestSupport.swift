// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterWorker
import ProcessRunner
import Testing

/// A directory under the system temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ prefix: String = "ocluster-worker-test") throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw WorkerError(.fileSystem, "mkdtemp failed") }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// Runs a command and returns its trimmed standard output, failing the test on a non-zero exit.
@discardableResult
func shell(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
    try await ChildProcess.output(Command(label: arguments[0], arguments, environment: environment))
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(30),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
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
