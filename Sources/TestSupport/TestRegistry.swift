// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import ProcessRunner

#if canImport(Glibc)
import Glibc
#endif

/// A real Docker registry (Debian's `docker-registry`, the Go distribution registry) on
/// 127.0.0.1, with filesystem storage in a temporary directory and, optionally, htpasswd basic
/// auth: what OBuilder fetches `(from 127.0.0.1:PORT/NAME:TAG)` from, and what Docker jobs push
/// to. Docker engines trust 127.0.0.0/8 registries over plain HTTP, so no TLS is needed.
/// Starting it fails (so the test fails, not skips) when the package is missing.
public final class TestRegistry: Sendable {
    /// Why the registry could not be started, asked or pushed to.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The user and password accepted when started with auth.
    public static let user = "tester"
    public static let password = "s3cret-pw"
    /// bcrypt of ``password`` (made once with Python's `crypt.crypt(…, METHOD_BLOWFISH)`):
    /// the registry accepts only bcrypt entries.
    private static let passwordHash = "$2b$12$qE9Oq66HMjkJ/XK5biRpquuglwNZEulczsMIeIR6Aan/CZFEN4UK6"

    /// Holds the configuration, the log and the storage (`data/`).
    public let directory: TemporaryDirectory
    /// `127.0.0.1:PORT`, the registry part of image names.
    public let host: String
    public let authenticated: Bool
    private let port: Int
    private let process: Process

    private init(directory: TemporaryDirectory, port: Int, authenticated: Bool, process: Process) {
        self.directory = directory
        self.host = "127.0.0.1:\(port)"
        self.port = port
        self.authenticated = authenticated
        self.process = process
    }

    /// Runs `body` with a started registry and stops it afterwards, whether `body` throws or not.
    public static func with<R>(
        authenticated: Bool = false,
        _ body: (TestRegistry) async throws -> R
    ) async throws -> R {
        let registry = try await start(authenticated: authenticated)
        defer { registry.stop() }
        return try await body(registry)
    }

    /// Starts a registry and waits until it answers.
    ///
    /// - Parameter namespaceOf: a process whose network namespace the registry joins (on port
    ///   5000) instead of the test's own, for a Docker engine with a network of its own. Such a
    ///   registry is out of reach of ``get(_:authenticate:accept:)``.
    public static func start(authenticated: Bool = false, namespaceOf: Int32? = nil) async throws -> TestRegistry {
        let binary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "\(binary) not found (apt-get install docker-registry)")
        }
        let directory = try TemporaryDirectory("ocluster-registry")
        let port = try namespaceOf == nil ? freePort() : 5000
        var config = """
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: \(directory.path)/data
            http:
              addr: 127.0.0.1:\(port)
              secret: ocluster-tests

            """
        if authenticated {
            try directory.write("htpasswd", "\(user):\(passwordHash)\n")
            config += "auth:\n  htpasswd:\n    realm: ocluster-tests\n    path: \(directory.path)/htpasswd\n"
        }
        try directory.write("config.yml", config)
        try directory.write("registry.log", "")
        let process = Process()
        if let namespaceOf {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=/proc/\(namespaceOf)/ns/net", binary, "serve", directory.file("config.yml")]
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", directory.file("config.yml")]
        }
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("registry.log")))
        process.standardOutput = logFile
        process.standardError = logFile
        try process.run()
        let registry = TestRegistry(directory: directory, port: port, authenticated: authenticated, process: process)
        // `/v2/` answers 200, or 401 with auth, once the registry listens.
        let up = await eventually(timeout: .seconds(20)) {
            guard process.isRunning else { return false }
            guard let namespaceOf else { return (try? await registry.get("/v2/", authenticate: false)) != nil }
            // From inside the namespace: busybox's wget exits 0 on a 200 (an open registry).
            let probe = Command(
                label: "probe",
                [
                    "/usr/bin/nsenter", "--net=/proc/\(namespaceOf)/ns/net", "/bin/busybox", "wget", "-q", "-O",
                    "/dev/null", "http://127.0.0.1:\(port)/v2/",
                ]
            )
            return (try? await ChildProcess.run(probe).termination) == .exited(0)
        }
        guard up else {
            let log = (try? String(contentsOfFile: directory.file("registry.log"), encoding: .utf8)) ?? ""
            registry.stop()
            throw Failure(description: "docker-registry did not come up:\n\(log)")
        }
        return registry
    }

    /// GETs `path` from the registry's HTTP API, with the test credentials when `authenticate`.
    ///
    /// A plain HTTP/1.0 exchange (``RawHTTP``): Foundation's URLSession on Linux never completes
    /// a request answered 401 with a `WWW-Authenticate` challenge when it has no delegate.
    public func get(_ path: String, authenticate: Bool = true, accept: String? = nil) async throws -> RawHTTP.Response {
        var request = "GET \(path) HTTP/1.0\r\nHost: \(host)\r\n"
        if authenticate, authenticated {
            let token = Data("\(Self.user):\(Self.password)".utf8).base64EncodedString()
            request += "Authorization: Basic \(token)\r\n"
        }
        if let accept { request += "Accept: \(accept)\r\n" }
        return try await RawHTTP.exchange(port: port, request + "\r\n")
    }

    /// The tags of `repository` (the name after the host), or `nil` if the registry has none.
    public func tags(of repository: String) async throws -> [String]? {
        let response = try await get("/v2/\(repository)/tags/list")
        guard response.status == 200 else { return nil }
        struct TagList: Decodable { let tags: [String]? }
        return try JSONDecoder().decode(TagList.self, from: Data(response.body)).tags
    }

    /// The digest the registry gives for `repository:tag`'s manifest.
    public func manifestDigest(_ repository: String, tag: String) async throws -> String? {
        try await get(
            "/v2/\(repository)/manifests/\(tag)",
            accept: "application/vnd.docker.distribution.manifest.v2+json"
        ).headers["docker-content-digest"]
    }

    /// Pushes a fresh busybox image to `NAME:TAG` on this registry with `scripts/push-base-image.sh`
    /// and returns its digest.
    ///
    /// - Parameter environment: added to the script's (e.g. `REGISTRY_AUTH_FILE` for a registry
    ///   with auth).
    public func pushBusybox(as name: String, environment: [String: String] = [:]) async throws -> String {
        let command = Command(
            label: "push-base-image",
            ["bash", Repository.scripts + "/push-base-image.sh", host + "/" + name],
            environment: environment
        )
        let outcome = try await ChildProcess.run(command, standardOutput: .collect, standardError: .collect)
        let output = String(decoding: outcome.standardOutput, as: UTF8.self)
        let digest = String(output.split(separator: "\n").last ?? "")
        guard outcome.termination == .exited(0), digest.hasPrefix("sha256:") else {
            let errors = String(decoding: outcome.standardError, as: UTF8.self)
            throw Failure(description: "push-base-image.sh failed (\(outcome.termination)): \(output)\(errors)")
        }
        return digest
    }

    /// Stops the registry and removes its directory. Synchronous, so that a `defer` can call it.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        directory.remove()
    }

    /// A port nothing listens on now (bound to port 0, read back, closed).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
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
        guard bound else { throw Failure(description: "cannot bind a port on 127.0.0.1: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
