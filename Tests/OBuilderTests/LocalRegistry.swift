// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

@testable import OBuilder

/// A real Docker registry (Debian's `docker-registry`) on 127.0.0.1 with storage in a temporary
/// directory, holding images pushed with `scripts/push-base-image.sh`: the source of
/// `(from 127.0.0.1:PORT/NAME:TAG)` for ``SkopeoImageFetcher`` in the store tests. (The worker
/// tests have a fuller one, with auth, in their own target.) Starting it fails, not skips, when
/// the package is missing.
final class LocalRegistry: Sendable {
    /// `127.0.0.1:PORT`, the registry part of image names.
    let host: String
    private let directory: String
    private let process: Process

    private init(host: String, directory: String, process: Process) {
        self.host = host
        self.directory = directory
        self.process = process
    }

    /// Runs `body` with a started registry and stops it afterwards, whether `body` throws or not.
    static func with<R>(_ body: (LocalRegistry) async throws -> R) async throws -> R {
        let registry = try await start()
        do {
            let result = try await body(registry)
            registry.stop()
            return result
        } catch {
            registry.stop()
            throw error
        }
    }

    private static func start() async throws -> LocalRegistry {
        let binary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw OBuilderError(.fileSystem, "\(binary) not found (apt-get install docker-registry)")
        }
        let directory = FileManager.default.temporaryDirectory.path + "/registry-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try freePort()
        let config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(directory)/data
            http:
              addr: 127.0.0.1:\(port)
              secret: obuilder-tests

            """
        try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
        guard FileManager.default.createFile(atPath: directory + "/registry.log", contents: nil) else {
            throw OBuilderError(.fileSystem, "cannot create \(directory)/registry.log")
        }
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/registry.log"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", directory + "/config.yml"]
        process.standardOutput = logFile
        process.standardError = logFile
        try process.run()
        let registry = LocalRegistry(host: "127.0.0.1:\(port)", directory: directory, process: process)
        // Up once it accepts connections; given 20 s.
        let deadline = ContinuousClock.now + .seconds(20)
        while !accepts(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOfFile: directory + "/registry.log", encoding: .utf8)) ?? ""
                registry.stop()
                throw OBuilderError(.fileSystem, "docker-registry did not come up:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return registry
    }

    /// Pushes a fresh busybox image to `NAME:TAG` on this registry and returns its digest.
    func pushBusybox(as name: String) async throws -> String {
        let script = OBuilderTestFixture.scriptsDirectory + "/push-base-image.sh"
        let result = try await HelperCommand.run(["bash", script, host + "/" + name])
        let digest = String(result.output.split(separator: "\n").last ?? "")
        guard result.status == 0, digest.hasPrefix("sha256:") else {
            throw OBuilderError(.fileSystem, "push-base-image.sh failed: \(result.output)")
        }
        return digest
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A port nothing listens on now (bound to port 0, read back, closed).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw OBuilderError(.fileSystem, "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw OBuilderError(.fileSystem, "cannot bind a port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
