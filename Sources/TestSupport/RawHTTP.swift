// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP exchange over a plain TCP socket to 127.0.0.1, bytes as written: no client library between the
/// test and the server, so what the test sees is exactly what a browser or `curl` would.
public enum RawHTTP {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Response: Sendable {
        public var status: Int
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends `method path` and reads the answer until the server closes the connection (it closes after
    /// each answer). Runs on a thread of its own so that the blocking socket holds no task thread.
    public static func request(port: Int, _ method: String, _ path: String) async throws -> Response {
        try await exchange(port: port, "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    }

    /// The body of a `GET path` answered with 200; any other answer is a ``Failure``.
    public static func get(port: Int, _ path: String) async throws -> String {
        let response = try await request(port: port, "GET", path)
        guard response.status == 200 else {
            throw Failure(description: "GET \(path): \(response.status) \(response.text.prefix(200))")
        }
        return response.text
    }

    /// Sends `raw` as it is and parses the answer.
    public static func exchange(port: Int, _ raw: String) async throws -> Response {
        let bytes = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try send(port: port, Array(raw.utf8)) }) }.start()
        }
        return try parse(bytes)
    }

    private static func send(port: Int, _ request: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: errno \(errno)") }
        guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else {
            throw Failure(description: "write: errno \(errno)")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { throw Failure(description: "read: errno \(errno)") }
            if count == 0 { return received }
            received += buffer[..<count]
        }
    }

    private static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.firstRange(of: separator) else {
            throw Failure(description: "no header end in \(String(decoding: bytes, as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        return Response(status: status, headers: headers, body: Array(bytes[end.upperBound...]))
    }
}
