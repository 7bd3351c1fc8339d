// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process the driver starts: the scheduler, or a process of simulated workers or clients.
/// The driver talks to the simulated ones in lines: commands on their standard input, reports on
/// their standard output. Standard error goes to a log file.
final class ChildProcess: Sendable {
    let name: String
    private let process: Process.Box
    private let input: FileHandle.Box
    private let lines: LineQueue

    /// Starts `arguments[0]` with the rest as arguments.
    init(name: String, arguments: [String], log: String, environment: [String: String]? = nil) throws {
        guard let executable = arguments.first else { throw BenchFailure("no command for \(name)") }
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let input = Pipe()
        let output = Pipe()
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        do {
            try process.run()
        } catch {
            throw BenchFailure("cannot start \(name) (\(executable)): \(error)")
        }
        let lines = LineQueue()
        // A thread of its own blocks on the pipe, never one of the cooperative pool's.
        let reading = output.fileHandleForReading
        Thread.detachNewThread {
            var buffer: [UInt8] = []
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                buffer.append(contentsOf: chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.push(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
            }
            lines.finish()
        }
        self.process = Process.Box(process)
        self.input = FileHandle.Box(input.fileHandleForWriting)
        self.lines = lines
    }

    var pid: Int32 { process.value.processIdentifier }
    var isRunning: Bool { process.value.isRunning }

    /// Writes one command line to the process.
    func send(_ line: String) throws {
        do {
            try input.value.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw BenchFailure("\(name) is gone (writing \"\(line)\"): \(error)")
        }
    }

    /// The next line the process prints whose first word is `key`, without that word.
    func expect(_ key: String) async throws -> Substring {
        while let line = await lines.next() {
            if line == key { return "" }
            if line.hasPrefix(key + " ") { return line.dropFirst(key.count + 1)[...] }
        }
        throw BenchFailure("\(name) ended before printing \"\(key)\" (see its log)")
    }

    /// Asks the process to end (closing its standard input, then SIGTERM after `grace`), SIGKILL after twice that.
    func stop(grace: Double = 5) {
        try? input.value.close()
        let deadline = Date().addingTimeInterval(grace)
        while process.value.isRunning, Date() < deadline { usleep(10_000) }
        if process.value.isRunning { kill(pid, SIGTERM) }
        let hard = Date().addingTimeInterval(grace)
        while process.value.isRunning, Date() < hard { usleep(10_000) }
        if process.value.isRunning { kill(pid, SIGKILL) }
        process.value.waitUntilExit()
    }

    /// Sends `signal` and waits for the process to end (SIGKILL after `grace` seconds).
    func terminate(signal: Int32 = SIGTERM, grace: Double = 10) {
        if process.value.isRunning { kill(pid, signal) }
        let deadline = Date().addingTimeInterval(grace)
        while process.value.isRunning, Date() < deadline { usleep(10_000) }
        if process.value.isRunning { kill(pid, SIGKILL) }
        process.value.waitUntilExit()
        try? input.value.close()
    }
}

extension Process {
    /// Process is thread safe for what is used here (run once, then pid, isRunning, waitUntilExit).
    struct Box: @unchecked Sendable {
        let value: Process
        init(_ value: Process) { self.value = value }
    }
}

extension FileHandle {
    /// Written by the driver's one task at a time.
    struct Box: @unchecked Sendable {
        let value: FileHandle
        init(_ value: FileHandle) { self.value = value }
    }
}
