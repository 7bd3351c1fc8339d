// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// capnp-rpc-unix's TCP socket options: `TCP_NODELAY` on both ends, `SO_KEEPALIVE` with a
/// 60-second idle time (no application-level heartbeat exists). Not applied to Unix sockets.
enum SocketOptions {
    static func tcpClient(_ bootstrap: ClientBootstrap) -> ClientBootstrap {
        var bootstrap =
            bootstrap
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
        #if canImport(Glibc)
        bootstrap = bootstrap.channelOption(keepIdle, value: 60)
        #endif
        return bootstrap
    }

    static func tcpServer(_ bootstrap: ServerBootstrap) -> ServerBootstrap {
        var bootstrap =
            bootstrap
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
        #if canImport(Glibc)
        bootstrap = bootstrap.childChannelOption(keepIdle, value: 60)
        #endif
        return bootstrap
    }

    #if canImport(Glibc)
    private static let keepIdle = ChannelOptions.Types.SocketOption(
        level: .tcp,
        name: NIOBSDSocket.Option(rawValue: TCP_KEEPIDLE)
    )
    #endif
}
