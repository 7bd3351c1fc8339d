// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation

/// A one-word message whose root struct holds `value`, framed.
func frame(_ value: UInt64) -> [UInt8] {
    let builder = MessageBuilder()
    builder.initRoot(dataWords: 1, pointerCount: 0).write(value, at: 0)
    return builder.serialize()
}

/// The value `frame(_:)` put in a message.
func value(of reader: MessageReader) throws -> UInt64 {
    try reader.root().read(UInt64.self, at: 0)
}

/// Unpadded URL-safe base64, computed independently of the library (via Foundation).
func base64URL(_ bytes: some Collection<UInt8>) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Lower-case hex.
func hex(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// The `openssl` command-line tool, used to recompute digests and inspect keys and
/// certificates independently of swift-crypto and swift-certificates.
enum OpenSSL {
    static let path: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static var isAvailable: Bool { path != nil }

    /// Runs `bash -c script` (in which `openssl` is on the path) and returns its stdout.
    static func shell(_ script: String, directory: String? = nil) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -eo pipefail; " + script]
        var environment = ProcessInfo.processInfo.environment
        if let path { environment["PATH"] = (path as NSString).deletingLastPathComponent + ":/usr/bin:/bin" }
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ShellError(script: script, stderr: String(decoding: errorData, as: UTF8.self))
        }
        return Array(data)
    }

    /// Starts `bash -c script` in the background, its output discarded.
    static func start(_ script: String, directory: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    struct ShellError: Error, CustomStringConvertible {
        var script: String
        var stderr: String
        var description: String { "`\(script)` failed: \(stderr)" }
    }
}
