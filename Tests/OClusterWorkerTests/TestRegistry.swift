// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import OClusterWorker
import ProcessRunner
import TestSupport
import Testing

/// A real Docker registry (Debian's `docker-registry`, the Go distribution registry) on
/// 127.0.0.1, with filesystem storage in a temporary directory and, optionally, htpasswd basic
/// auth. Docker engines trust 127.0.0.0/8 registries over plain HTTP, so no TLS is needed.
/// Starting it fails (so the test fails, not skips) when the package is missing.
final class TestRegistry: Sendable {
    /// The user and password accepted when started with auth.
    static let user = "tester"
    static let password = "s3cret-pw"
    /// bcrypt of ``password`` (made once with Python's `crypt.crypt(…, METHOD_BLOWFISH)`):
    /// the registry accepts only bcrypt entries.
    private static let passwordHash = "$2b$12$qE9Oq66HMjkJ/XK5biRpquuglwNZEulczsMIeIR6Aan/CZFEN4UK6"

    let directory: TemporaryDirectory
    /// `127.0.0.1:PORT`, the registry part of image names.
    let host: String
    let authenticated: Bool
    private let process: Process

    private init(directory: TemporaryDirectory, host: String, authenticated: Bool, process: Process) {
        self.directory = directory
        self.host = host
        self.authenticated = authenticated
        self.process = process
    }

    /// Starts a registry and waits until it answers.
    ///
    /// - Parameter namespaceOf: a process whose network namespace the registry joins (on port
    ///   5000) instead of the test's own, for a ``PrivateDockerEngine`` with a network of its own.
    ///   Such a registry is out of reach of ``get(_:authenticate:accept:)``.
    /// - Throws: ``WorkerError/Code/docker`` when the binary is missing or it does not come up.
    static func start(authenticated: Bool, namespaceOf: Int32? = nil) async throws -> TestRegistry {
        let binary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw WorkerError(.docker, "\(binary) not found (apt-get install docker-registry)")
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
              secret: ocluster-worker-tests

            """
        if authenticated {
            try directory.write("htpasswd", "\(user):\(passwordHash)\n")
            config += "auth:\n  htpasswd:\n    realm: ocluster-tests\n    path: \(directory.path)/htpasswd\n"
        }
        try directory.write("config.yml", config)
        let process = Process()
        if let namespaceOf {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=/proc/\(namespaceOf)/ns/net", binary, "serve", directory.path + "/config.yml"]
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", directory.path + "/config.yml"]
        }
        let logFile = try FileHandle(
            forWritingTo: URL(
                fileURLWithPath: directory.path + "/registry.log",
                isDirectory: false
            ).creatingEmptyFile()
        )
        process.standardOutput = logFile
        process.standardError = logFile
        try process.run()
        let registry = TestRegistry(
            directory: directory,
            host: "127.0.0.1:\(port)",
            authenticated: authenticated,
            process: process
        )
        // `/v2/` answers 200, or 401 with auth, once the registry listens.
        let up = await eventually(timeout: .seconds(20)) {
            guard process.isRunning else { return false }
            guard let namespaceOf else { return (try? await registry.get("/v2/", authenticate: false).status) != nil }
            // From inside the namespace: busybox's wget exits 0 on a 200 (an open registry).
            let probe = Command(
                label: "probe",
                [
                    "/usr/bin/nsenter", "--net=/proc/\(namespaceOf)/ns/net", "/bin/busybox", "wget", "-q", "-O",
                    "/dev/null", "http://127.0.0.1:\(port)/v2/",
                ]
            )
            return (try? await ChildProcess.run(probe, log: nil, cancel: nil)) == .exited(0)
        }
        guard up else {
            let log = (try? String(contentsOfFile: directory.path + "/registry.log", encoding: .utf8)) ?? ""
            registry.stop()
            throw WorkerError(.docker, "docker-registry did not come up:\n\(log)")
        }
        return registry
    }

    /// GETs `path` from the registry's HTTP API, with the test credentials when `authenticate`.
    ///
    /// A plain HTTP/1.0 exchange over a socket: Foundation's URLSession on Linux never completes
    /// a request answered 401 with a `WWW-Authenticate` challenge when it has no delegate.
    func get(
        _ path: String,
        authenticate: Bool = true,
        accept: String? = nil
    ) async throws -> (status: Int, body: String, headers: [String: String]) {
        var request = "GET \(path) HTTP/1.0\r\nHost: \(host)\r\n"
        if authenticate, authenticated {
            let token = Data("\(Self.user):\(Self.password)".utf8).base64EncodedString()
            request += "Authorization: Basic \(token)\r\n"
        }
        if let accept { request += "Accept: \(accept)\r\n" }
        let response = try Self.exchange(host: host, request: request + "\r\n")
        guard let end = response.range(of: "\r\n\r\n") else {
            throw WorkerError(.docker, "malformed HTTP response from the registry: \(response)")
        }
        let head = response[..<end.lowerBound].split(separator: "\r\n")
        let statusFields = head.first?.split(separator: " ") ?? []
        guard statusFields.count >= 2, let status = Int(statusFields[1]) else {
            throw WorkerError(.docker, "malformed HTTP status line from the registry: \(head.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        return (status, String(response[end.upperBound...]), headers)
    }

    /// Sends `request` to `host` (`127.0.0.1:PORT`) and reads the response until the server
    /// closes the connection (at most 10 s per read).
    private static func exchange(host: String, request: String) throws -> String {
        guard let port = host.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw WorkerError(.invalidRequest, "bad registry host \(host)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WorkerError(.fileSystem, "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw WorkerError(.docker, "cannot connect to the registry at \(host)") }
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw WorkerError(.docker, "cannot send to the registry at \(host)")
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count >= 0 else { throw WorkerError(.docker, "reading from the registry at \(host) failed") }
            if count == 0 { break }
            response += buffer[..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// The tags of `repository` (the name after the host), or `nil` if the registry has none.
    func tags(of repository: String) async throws -> [String]? {
        let response = try await get("/v2/\(repository)/tags/list")
        guard response.status == 200 else { return nil }
        struct TagList: Decodable { let tags: [String]? }
        return try JSONDecoder().decode(TagList.self, from: Data(response.body.utf8)).tags
    }

    /// The digest the registry gives for `repository:tag`'s manifest.
    func manifestDigest(_ repository: String, tag: String) async throws -> String? {
        try await get(
            "/v2/\(repository)/manifests/\(tag)",
            accept: "application/vnd.docker.distribution.manifest.v2+json"
        ).headers["docker-content-digest"]
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        directory.remove()
    }

    /// A port nothing listens on now (bound to port 0, read back, closed).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WorkerError(.fileSystem, "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw WorkerError(.fileSystem, "cannot bind a port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension URL {
    /// Creates an empty file at this URL and returns the URL.
    fileprivate func creatingEmptyFile() throws -> URL {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw WorkerError(.fileSystem, "cannot create \(path)")
        }
        return self
    }
}
