// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A scheduler executable to measure (`ocluster-scheduler`, Swift or OCaml: they take the same
/// flags), started fresh for each measurement in a directory of its own, as a user starts it:
/// `--capnp-secret-key-file`, `--capnp-listen-address tcp:127.0.0.1:PORT`, `--secrets-dir`,
/// `--state-dir`, `--pools bench`, then the user's own flags (`--capnp-disable-tls`, a log level…).
struct SchedulerUnderTest: Sendable {
    /// How the table names it (`swift`, `ocaml`).
    var name: String
    var executable: String
    var flags: [String]

    /// A running scheduler and its capability files.
    final class Running: Sendable {
        let process: ChildProcess
        let directory: String
        let adminCap: String
        let poolCap: String

        init(process: ChildProcess, directory: String) {
            self.process = process
            self.directory = directory
            adminCap = directory + "/secrets/admin.cap"
            poolCap = directory + "/secrets/pool-bench.cap"
        }

        /// CPU time and memory now.
        func stats() throws -> ProcessStats {
            guard let stats = ProcessStats.read(pid: process.pid) else {
                throw BenchFailure("the \(process.name) scheduler has exited (see \(directory)/scheduler.log)")
            }
            return stats
        }

        /// Stops it at once (SIGKILL: the figures are taken, and a child of Foundation's `Process`
        /// may start with SIGTERM blocked) and removes its directory unless `keep`.
        func stop(keep: Bool) {
            process.terminate(signal: SIGKILL)
            if !keep { try? FileManager.default.removeItem(atPath: directory) }
        }
    }

    /// Starts it in a fresh directory under `parent` and waits for its `.cap` files.
    func start(in parent: String) async throws -> Running {
        let directory = parent + "/\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/secrets", withIntermediateDirectories: true)
        let port = try Self.freePort()
        let arguments =
            [
                executable,
                "--capnp-secret-key-file=\(directory)/key.pem",
                "--capnp-listen-address=tcp:127.0.0.1:\(port)",
                "--secrets-dir=\(directory)/secrets",
                "--state-dir=\(directory)/state",
                "--pools=bench",
            ] + flags
        let process = try ChildProcess(name: name, arguments: arguments, log: directory + "/scheduler.log")
        let running = Running(process: process, directory: directory)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? CapFile.load(from: running.adminCap)) != nil, (try? CapFile.load(from: running.poolCap)) != nil {
                return running
            }
            guard process.isRunning else {
                throw BenchFailure("the \(name) scheduler exited at start (see \(directory)/scheduler.log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        running.stop(keep: true)
        throw BenchFailure("the \(name) scheduler wrote no admin.cap and pool-bench.cap within 60 s")
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchFailure("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
