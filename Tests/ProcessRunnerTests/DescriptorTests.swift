// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import ProcessRunner
import TestSupport
import Testing

/// A child must not inherit this process's descriptors: a build that outlives a killed worker
/// would otherwise keep the worker's scheduler connection open.
@Suite("Descriptors a child inherits")
struct DescriptorTests {
    /// A listening TCP socket and a pipe, made without close-on-exec on purpose, so that only the
    /// runner's own closing keeps them from the child.
    final class LeakyDescriptors {
        let listener: Int32
        let pipeEnds: (Int32, Int32)

        init() throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var fds: [Int32] = [-1, -1]
            let piped = pipe(&fds)
            self.listener = listener
            pipeEnds = (fds[0], fds[1])
            guard listener >= 0, bound == 0, listen(listener, 1) == 0, piped == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
        }

        var all: [Int32] { [listener, pipeEnds.0, pipeEnds.1] }

        deinit {
            for fd in all where fd >= 0 { close(fd) }
        }
    }

    @Test("A child sees only 0, 1 and 2 while this process holds a socket and a pipe that are not close-on-exec")
    func onlyStandardDescriptors() async throws {
        let leaky = try LeakyDescriptors()
        for fd in leaky.all { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0) }
        // The shell lists its own descriptors through a child of its own (`ls` would see the
        // directory it opens if it listed /proc/self).
        let outcome = try await ChildProcess.run(
            Command(label: "ls", ["sh", "-c", "ls /proc/$$/fd"]),
            standardOutput: .collect,
            standardError: .sameAsStandardOutput
        )
        #expect(outcome.termination == .exited(0))
        #expect(String(decoding: outcome.standardOutput, as: UTF8.self).split(separator: "\n") == ["0", "1", "2"])
    }

    @Test("A running child holds exactly what it was given")
    func exactlyWhatItWasGiven() async throws {
        let leaky = try LeakyDescriptors()
        let temporary = try TemporaryDirectory("process-runner-test")
        defer { temporary.remove() }
        let directory = temporary.path
        let input = directory + "/input"
        #expect(FileManager.default.createFile(atPath: input, contents: Data("x".utf8)))
        let fd = open(input, O_RDONLY)
        defer { close(fd) }
        let child = try ChildProcess.start(
            Command(
                label: "sleep",
                ["sleep", "60"],
                environment: .inherited(adding: [:]),
                standardInput: .fileDescriptor(fd)
            ),
            standardOutput: .collect,
            standardError: .discard
        )
        defer { child.kill() }
        // posix_spawn returns once the child has run exec, so /proc shows `sleep` itself; but its dynamic
        // loader may still hold a library open for a moment (as fd 3). A descriptor the child inherited
        // would stay for its whole life, so the listing must settle at exactly 0, 1 and 2.
        let settled = await eventually(timeout: .seconds(20)) {
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").sorted()) == ["0", "1", "2"]
        }
        let listed = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").sorted()
        #expect(settled, "the child holds \(listed)")
        let stdin = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/fd/0")
        #expect(stdin == input)
        let stderr = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/fd/2")
        #expect(stderr == "/dev/null")
        #expect(leaky.all.allSatisfy { fcntl($0, F_GETFD) >= 0 }, "the parent still holds its own")
        child.kill()
        let outcome = await child.finish()
        #expect(outcome.wasKilled)
    }
}
