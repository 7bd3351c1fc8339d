// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import ProcessRunner
import Synchronization
import TestSupport
import Testing

@Suite("The process runner")
struct ChildProcessTests {
    /// Collects lines or chunks from the child's thread.
    final class Collector: Sendable {
        private let items = Mutex<[String]>([])
        func append(_ item: String) { items.withLock { $0.append(item) } }
        var all: [String] { items.withLock { $0 } }
        var text: String { all.joined() }
    }

    @Test("Standard output and error through one pipe keep their order; stdin bytes and environment reach the child")
    func mergedOutputInputAndEnvironment() async throws {
        let lines = Collector()
        let command = Command(
            label: "demo",
            ["sh", "-c", "echo out; echo err >&2; cat; echo \"$DEMO\"; exit 7"],
            environment: ["DEMO": "env-ok"],
            standardInput: Array("from-stdin\n".utf8)
        )
        let outcome = try await ChildProcess.run(
            command,
            standardOutput: .lines(lines.append),
            standardError: .sameAsStandardOutput
        )
        #expect(outcome.termination == .exited(7))
        #expect(outcome.termination.shellStatus == 7)
        #expect(!outcome.wasKilled)
        #expect(lines.all == ["out", "err", "from-stdin", "env-ok"])
    }

    @Test("Output and error can be collected apart, or sent in chunks")
    func collectedAndChunks() async throws {
        let outcome = try await ChildProcess.run(
            Command(label: "x", ["sh", "-c", "printf captured; printf noise >&2"]),
            standardOutput: .collect,
            standardError: .collect
        )
        #expect(String(decoding: outcome.standardOutput, as: UTF8.self) == "captured")
        #expect(String(decoding: outcome.standardError, as: UTF8.self) == "noise")
        let chunks = Collector()
        _ = try await ChildProcess.run(
            Command(label: "x", ["sh", "-c", "printf 'a\\nb'; printf c"]),
            standardOutput: .chunks { chunks.append(String(decoding: $0, as: UTF8.self)) }
        )
        #expect(chunks.text == "a\nbc")
        let signalled = try await ChildProcess.run(Command(label: "x", ["sh", "-c", "kill -TERM $$"]))
        #expect(signalled.termination == .signalled(SIGTERM))
        #expect(signalled.termination.shellStatus == 128 + SIGTERM)
    }

    @Test("Exact environment, working directory, and input from a file or a descriptor")
    func environmentDirectoryAndInputs() async throws {
        let temporary = try TemporaryDirectory("process-runner-test")
        defer { temporary.remove() }
        let directory = temporary.path
        try Data("file input\n".utf8).write(to: URL(fileURLWithPath: directory + "/input"))
        let exact = try await ChildProcess.run(
            Command(
                label: "env",
                ["/usr/bin/env"],
                environment: .exactly(["ONLY=this"]),
                workingDirectory: directory,
                standardInput: .none
            ),
            standardOutput: .collect
        )
        #expect(String(decoding: exact.standardOutput, as: UTF8.self) == "ONLY=this\n")
        let inDirectory = try await ChildProcess.run(
            Command(label: "pwd", ["pwd"], environment: .inherited(adding: [:]), workingDirectory: directory),
            standardOutput: .collect
        )
        #expect(String(decoding: inDirectory.standardOutput, as: UTF8.self) == directory + "\n")
        let fromFile = try await ChildProcess.run(
            Command(
                label: "cat",
                ["cat"],
                environment: .inherited(adding: [:]),
                standardInput: .file(directory + "/input")
            ),
            standardOutput: .collect
        )
        #expect(String(decoding: fromFile.standardOutput, as: UTF8.self) == "file input\n")
        let fd = open(directory + "/input", O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0)
        defer { close(fd) }
        let fromDescriptor = try await ChildProcess.run(
            Command(label: "cat", ["cat"], environment: .inherited(adding: [:]), standardInput: .fileDescriptor(fd)),
            standardOutput: .collect
        )
        #expect(String(decoding: fromDescriptor.standardOutput, as: UTF8.self) == "file input\n")
    }

    @Test("A child that writes a lot before it reads its input does not deadlock; a writer function feeds input too")
    func largeInputs() async throws {
        let input = [UInt8](repeating: UInt8(ascii: "x"), count: 1_000_000)
        let outcome = try await ChildProcess.run(
            Command(label: "x", ["sh", "-c", "head -c 1000000 /dev/zero; wc -c"], standardInput: input),
            standardOutput: .collect
        )
        #expect(outcome.standardOutput.count == 1_000_000 + "1000000\n".count)
        #expect(String(decoding: outcome.standardOutput.suffix(8), as: UTF8.self) == "1000000\n")
        let written = try await ChildProcess.run(
            Command(
                label: "wc",
                ["wc", "-c"],
                environment: .inherited(adding: [:]),
                standardInput: .writer { socket in
                    _ = input.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            ),
            standardOutput: .collect
        )
        #expect(
            String(decoding: written.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespaces) == "1000000\n"
        )
    }

    @Test("Cancelling the task kills the child's whole process group")
    func cancellationKillsTheGroup() async throws {
        let temporary = try TemporaryDirectory("process-runner-test")
        defer { temporary.remove() }
        let directory = temporary.path
        let pidFile = directory + "/child.pid"
        let lines = Collector()
        let command = Command(label: "sleeper", ["sh", "-c", "sleep 60 & echo $! > \(pidFile); echo started; wait"])
        let child = try ChildProcess.start(command, standardOutput: .lines(lines.append))
        let running = Task { await child.finish() }
        #expect(await eventually { lines.all == ["started"] })
        let grandchild = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        )
        running.cancel()
        let outcome = await running.value
        #expect(outcome.wasKilled)
        #expect(outcome.termination == .signalled(SIGKILL))
        #expect(await eventually { kill(grandchild, 0) != 0 })
        #expect(kill(grandchild, 0) != 0, "the background child died too")
    }

    @Test("A child told to ignore cancellation runs to the end")
    func ignoringCancellation() async throws {
        let temporary = try TemporaryDirectory("process-runner-test")
        defer { temporary.remove() }
        let directory = temporary.path
        let child = try ChildProcess.start(
            Command(label: "gate", ["sh", "-c", "while [ ! -e \(directory)/go ]; do sleep 0.02; done; echo done"]),
            standardOutput: .collect
        )
        let running = Task { await child.finish(onCancel: .ignore) }
        running.cancel()
        #expect(FileManager.default.createFile(atPath: directory + "/go", contents: nil))
        let outcome = await running.value
        #expect(!outcome.wasKilled)
        #expect(outcome.termination == .exited(0))
        #expect(String(decoding: outcome.standardOutput, as: UTF8.self) == "done\n")
    }

    @Test("exited() returns when the child exits, before output held open by its background children ends")
    func exitBeforeEndOfOutput() async throws {
        let temporary = try TemporaryDirectory("process-runner-test")
        defer { temporary.remove() }
        let directory = temporary.path
        let child = try ChildProcess.start(
            Command(
                label: "leaver",
                ["sh", "-c", "(while [ ! -e \(directory)/go ]; do sleep 0.02; done; echo late) & exit 3"]
            ),
            standardOutput: .collect
        )
        await child.exited()
        #expect(child.hasExited)
        #expect(FileManager.default.createFile(atPath: directory + "/go", contents: nil))
        let outcome = await child.finish()
        #expect(outcome.termination == .exited(3))
        #expect(String(decoding: outcome.standardOutput, as: UTF8.self) == "late\n")
        #expect(child.signal(SIGTERM) == false, "a reaped child is never signalled")
    }

    @Test("finishBlocking waits on a thread of its own")
    func blockingWait() async throws {
        let child = try ChildProcess.start(Command(label: "true", ["sh", "-c", "exit 4"]))
        let termination = await BlockingThread.run { child.finishBlocking().termination }
        #expect(termination == .exited(4))
    }

    @Test("Programs that cannot run, and empty command lines, are errors")
    func startFailures() async throws {
        await #expect(throws: ProcessError(.spawnFailed, "")) {
            try await ChildProcess.run(Command(label: "nope", ["/nonexistent/program"]))
        }
        await #expect(throws: ProcessError(.spawnFailed, "")) {
            try await ChildProcess.run(Command(label: "nope", ["no-such-program-anywhere"]))
        }
        await #expect(throws: ProcessError(.invalidCommand, "")) {
            try await ChildProcess.run(Command(label: "empty", []))
        }
        await #expect(throws: ProcessError(.spawnFailed, "")) {
            try await ChildProcess.run(
                Command(
                    label: "cat",
                    ["cat"],
                    environment: .inherited(adding: [:]),
                    standardInput: .file("/nonexistent/input")
                )
            )
        }
    }

    @Test("Long lines come in pieces and a last line without a newline still comes")
    func lineSplitting() {
        var splitter = LineSplitter()
        var lines: [String] = []
        splitter.append(Array("one\ntw".utf8)) { lines.append($0) }
        splitter.append(Array("o\nthree".utf8)) { lines.append($0) }
        #expect(lines == ["one", "two"])
        splitter.finish { lines.append($0) }
        #expect(lines == ["one", "two", "three"])
        var long: [String] = []
        splitter.append([UInt8](repeating: UInt8(ascii: "a"), count: LineSplitter.maximumLineLength + 5)) {
            long.append($0)
        }
        splitter.finish { long.append($0) }
        #expect(long.map(\.count) == [LineSplitter.maximumLineLength, 5])
    }
}
