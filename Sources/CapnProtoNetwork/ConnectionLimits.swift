// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC

#if canImport(Glibc)
import Glibc
#endif

/// Bounds on what peers can make a vat hold before (and after) they prove who they are, so
/// that anyone able to open a TLS connection cannot exhaust memory or file descriptors.
///
/// The connection limit keeps a reserve: once `maxConnections - reservedConnections` accepted
/// connections are open, a new connection may only restore a *reserved* service (a vat's owner
/// marks them with ``Vat/setReservedServices(_:)``: ocluster's scheduler reserves its pool
/// registration and admin services, so workers and admins still get in); any other Bootstrap on
/// it is aborted. At `maxConnections` new connections are refused at once.
public struct ConnectionLimits: Sendable, Hashable {
    /// How long an accepted connection may stay open without sending a Bootstrap (TLS handshake
    /// included). `nil`: no limit.
    public var bootstrapTimeout: Duration?
    /// How long one frame may take to arrive once its first byte has. `nil`: no limit.
    public var frameTimeout: Duration?
    /// Accepted connections open at once. Lowered, when the process may open fewer files, to what
    /// its `RLIMIT_NOFILE` leaves after ``fileDescriptorHeadroom``.
    public var maxConnections: Int
    /// Of ``maxConnections``, how many only connections to reserved services may take.
    public var reservedConnections: Int
    /// What each connection's RPC engine bounds.
    public var rpc: RPCLimits

    /// Descriptors kept free of connections (state files, logs, child pipes).
    public static let fileDescriptorHeadroom = 64

    public init(
        bootstrapTimeout: Duration? = .seconds(30),
        frameTimeout: Duration? = .seconds(60),
        maxConnections: Int = 4096,
        reservedConnections: Int = 64,
        rpc: RPCLimits = .default
    ) {
        self.bootstrapTimeout = bootstrapTimeout
        self.frameTimeout = frameTimeout
        self.maxConnections = max(1, maxConnections)
        self.reservedConnections = min(max(0, reservedConnections), self.maxConnections - 1)
        self.rpc = rpc
    }

    /// The limits used when none are given.
    public static let `default` = ConnectionLimits()

    /// ``maxConnections``, lowered to fit the process's open-file limit.
    var effectiveMaxConnections: Int {
        #if canImport(Glibc)
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max
        else {
            return maxConnections
        }
        let available = Int(clamping: limit.rlim_cur) - Self.fileDescriptorHeadroom
        return max(1, min(maxConnections, available))
        #else
        return maxConnections
        #endif
    }
}
