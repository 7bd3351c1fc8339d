// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP response from a ``MetricsHTTPServer`` route.
public struct HTTPReply: Sendable {
    /// The status code.
    public var status: Int
    /// The `Content-Type` header.
    public var contentType: String
    /// Further headers.
    public var headers: [(name: String, value: String)]
    /// The body (not sent in answer to HEAD, though its length is).
    public var body: [UInt8]

    /// Creates a response.
    public init(
        status: Int,
        contentType: String = "text/plain",
        headers: [(name: String, value: String)] = [],
        body: [UInt8]
    ) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A plain-text response.
    public static func text(_ status: Int, _ text: String) -> HTTPReply {
        HTTPReply(status: status, body: Array(text.utf8))
    }
}

/// A tiny HTTP/1.1 server for Prometheus scrapes and the scheduler's status page (ocluster serves its metrics
/// with cohttp): every request goes to one route function, one request per connection (`Connection: close`),
/// so shutdown never waits on idle keep-alive connections.
public final class MetricsHTTPServer: Sendable {
    /// Answers a request: `method` and the path without the query string.
    public typealias Route = @Sendable (_ method: String, _ path: String) async -> HTTPReply

    let host: String
    let port: Int
    let route: Route
    private let channel = Mutex<(any Channel)?>(nil)
    private let stopped = Mutex(false)

    /// A server for `host:port` (all interfaces by default, as ocluster's `--listen-prometheus`).
    public init(host: String = "0.0.0.0", port: Int, route: @escaping Route) {
        self.host = host
        self.port = port
        self.route = route
    }

    /// The bound port once running (useful with port 0).
    public var boundPort: Int? { channel.withLock { $0?.localAddress?.port } }

    /// Listens and serves until ``shutdown()`` (or cancellation).
    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        let stopNow = channel.withLock { current in
            current = server.channel
            return stopped.withLock { $0 }
        }
        if stopNow { server.channel.close(promise: nil) }
        let route = route
        try await withTaskCancellationHandler {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await Self.serve(connection, route: route) }
                    }
                }
            }
        } onCancel: {
            self.shutdown()
        }
    }

    /// Stops accepting connections; ``run()`` returns once the ones in progress are answered.
    public func shutdown() {
        stopped.withLock { $0 = true }
        channel.withLock { $0 }?.close(promise: nil)
    }

    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        route: Route
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let request): head = request
                case .body: continue
                case .end:
                    guard let request = head else { return }
                    let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "")
                    let reply = await route(request.method.rawValue, path)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: reply.contentType)
                    headers.add(name: "Content-Length", value: "\(reply.body.count)")
                    headers.add(name: "Connection", value: "close")
                    for (name, value) in reply.headers { headers.add(name: name, value: value) }
                    let status = HTTPResponseStatus(statusCode: reply.status)
                    try await outbound.write(
                        .head(HTTPResponseHead(version: request.version, status: status, headers: headers))
                    )
                    if request.method != .HEAD {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: reply.body))))
                    }
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }
}
