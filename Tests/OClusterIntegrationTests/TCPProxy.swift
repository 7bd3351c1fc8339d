// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1 to a local port whose connections a test can cut at a moment of its
/// choosing (as a dropped network link does), while it keeps accepting new ones. It can also hold
/// what it reads (a link that stalls) until the next cut, which drops it.
final class TCPProxy: @unchecked Sendable {
    // @unchecked Sendable: the socket lists are behind the lock; each pump thread owns its pair.

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    private let target: Int
    private let listener: Int32
    private let lock = NSLock()
    private var open: [Int32] = []
    private var stopped = false
    private var acceptedCount = 0
    /// Holding: pumps wait before writing; each cut starts a new generation, whose pumps never held.
    private let gate = NSCondition()
    private var holding: Set<Direction> = []
    private var generation = 0

    /// How many connections the proxy has accepted.
    var accepted: Int { lock.withLock { acceptedCount } }

    init(to target: Int) throws {
        self.target = target
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw Failure(description: "cannot listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    /// Cuts every connection open now, dropping what was held; later connections are relayed again.
    func cut() {
        gate.withLock {
            holding = []
            generation += 1
            gate.broadcast()
        }
        // Under the lock: a pair closing meanwhile could free a descriptor that a new connection
        // then reuses, which a snapshot taken earlier would cut too.
        lock.withLock {
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Which way bytes go through the proxy.
    enum Direction: CaseIterable {
        /// From the client to the server.
        case toServer
        /// From the server back to the client.
        case toClient
    }

    /// Stops relaying `directions` on the connections open now: what they read waits, until
    /// ``cut()``.
    func hold(_ directions: Set<Direction> = Set(Direction.allCases)) {
        gate.withLock { holding = directions }
    }

    /// Waits while `direction` of the connections of `generation` is held; false once they were cut.
    fileprivate func mayWrite(_ direction: Direction, generation mine: Int) -> Bool {
        gate.withLock {
            while holding.contains(direction) && generation == mine { gate.wait() }
            return generation == mine
        }
    }

    fileprivate var currentGeneration: Int { gate.withLock { generation } }

    /// Stops accepting and cuts everything.
    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        cut()
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) {
                    close(listener)
                    return
                }
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(target))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            lock.withLock {
                acceptedCount += 1
                open += [client, upstream]
            }
            let pair = PumpPair(proxy: self, sockets: (client, upstream), generation: currentGeneration)
            Thread { pair.pump(from: client, to: upstream) }.start()
            Thread { pair.pump(from: upstream, to: client) }.start()
        }
    }

    fileprivate func closed(_ sockets: (Int32, Int32)) {
        lock.withLock { open.removeAll { $0 == sockets.0 || $0 == sockets.1 } }
        close(sockets.0)
        close(sockets.1)
    }
}

/// Two sockets relayed both ways; closed once both directions have ended.
private final class PumpPair: @unchecked Sendable {
    // @unchecked Sendable: `ended` is behind the lock.
    let proxy: TCPProxy
    let sockets: (Int32, Int32)
    let generation: Int
    private let lock = NSLock()
    private var ended = 0

    init(proxy: TCPProxy, sockets: (Int32, Int32), generation: Int) {
        self.proxy = proxy
        self.sockets = sockets
        self.generation = generation
    }

    func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        relay: while true {
            let count = read(source, &buffer, buffer.count)
            let direction: TCPProxy.Direction = source == sockets.0 ? .toServer : .toClient
            if count <= 0 || !proxy.mayWrite(direction, generation: generation) { break }
            var sent = 0
            while sent < count {
                let written = buffer[sent..<count].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
                if written <= 0 { break relay }
                sent += written
            }
        }
        // One direction ending ends the other too, as a dropped link would.
        shutdown(sockets.0, Int32(SHUT_RDWR))
        shutdown(sockets.1, Int32(SHUT_RDWR))
        let last = lock.withLock {
            ended += 1
            return ended == 2
        }
        if last { proxy.closed(sockets) }
    }
}
