// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// capnp-rpc-bench: the Swift RPC engine against the reference C++ one (libcapnp's RpcSystem,
// Tests/Interop/rpc-peer.cpp) over loopback TCP, plain and with capnp-rpc's TLS (each side
// presents a self-signed RSA-2048 certificate; the client pins the server's key digest; the C++
// peer does it on OpenSSL, Tests/Interop/pinned-tls.h). For each pairing — C++ client → C++
// server, C++ client → Swift server, Swift client → C++ server, Swift client → Swift server — it
// measures sequential `add` round trips per second and 100-deep pipelined increment chains
// per second (makeCounter, then 100 increments on the unresolved counter, then wait for all),
// and prints a table with each figure's ratio to C++ → C++ over the same transport.
//
//   capnp-rpc-bench [--seconds S] [--transport tcp|tls|both]
//   capnp-rpc-bench serve       serve the Swift TestService on 127.0.0.1 (prints `PORT n`), for
//                               running `rpc-peer client` scenarios by hand
//
// The C++ peer is `$RPC_PEER`, or `.build-cpp/interop/rpc-peer` (built if missing).
// scripts/rpc-bench.sh builds everything in release mode and runs this.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import Foundation

struct Figures {
    var addsPerSecond: Double
    var chainsPerSecond: Double
}

/// The Swift client's side of the benchmark, against the server at 127.0.0.1:`port` (over TLS,
/// pinned to `tlsDigest`, when given).
func swiftClient(port: Int, tlsDigest: String? = nil, seconds: Double) async throws -> Figures {
    let authentication: SturdyRef.Authentication =
        try tlsDigest.map { .sha256(try KeyDigest(base64URL: $0)) } ?? .insecure
    let ref = SturdyRef(address: .tcp(host: "127.0.0.1", port: port), authentication: authentication, serviceID: .empty)
    return try await VatNetwork().connect(to: ref) { transport, _ in
        // As the C++ client does, the calls are made on the connection's event loop.
        try await transport.onEventLoop { transport in try await swiftClient(transport: transport, seconds: seconds) }
    }
}

/// The Swift client's side of the benchmark over any transport.
func swiftClient(transport: some RPCTransport, seconds: Double) async throws -> Figures {
    do {
        let connection = RPCConnection(transport: transport)
        await connection.start()
        let service = TestService.Client(await connection.bootstrap())

        func add(_ value: Int64) async throws {
            let sum = try await service.add(a: value, b: 1).results.sum
            guard sum == value + 1 else { throw RPCError(.failed, "add(\(value), 1) returned \(sum)") }
        }
        for index in 0..<1000 { try await add(Int64(index)) }
        var adds: Int64 = 0
        let clock = ContinuousClock()
        var start = clock.now
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<100 {
                try await add(adds)
                adds += 1
            }
            elapsed = secondsIn(clock.now - start)
        }
        let addsPerSecond = Double(adds) / elapsed

        let depth = 100
        func chain() async throws {
            let made = await service.makeCounter { params, _ in params.start = 0 }
            let counter = Counter.Client(made.pipeline(0))
            var increments: [PendingCall<Counter.IncrementResults.Reader>] = []
            increments.reserveCapacity(depth)
            for _ in 0..<depth { increments.append(await counter.increment { params, _ in params.by = 1 }) }
            var last: Int64 = 0
            for increment in increments { last = try await increment.response().results.value }
            _ = try await made.response()
            guard last == Int64(depth) else { throw RPCError(.failed, "the chain ended at \(last)") }
        }
        for _ in 0..<20 { try await chain() }
        var chains = 0
        start = clock.now
        elapsed = 0
        while elapsed < seconds {
            try await chain()
            chains += 1
            elapsed = secondsIn(clock.now - start)
        }
        await connection.close()
        return Figures(addsPerSecond: addsPerSecond, chainsPerSecond: Double(chains) / elapsed)
    }
}

func secondsIn(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}

func cppClient(port: Int, tlsDigest: String? = nil, seconds: Double) async throws -> Figures {
    let metrics = try await CppPeer.bench(address: "127.0.0.1:\(port)", seconds: seconds, tlsDigest: tlsDigest)
    guard let adds = metrics["add-roundtrips-per-sec"], let chains = metrics["pipeline-chains-per-sec"] else {
        throw CppPeer.Failure("rpc-peer bench printed no figures: \(metrics)")
    }
    return Figures(addsPerSecond: adds, chainsPerSecond: chains)
}

/// Sequential frame round trips per second through VatNetwork (plain TCP), RPC engine aside.
func transportRoundTrips(seconds: Double) async throws -> Double {
    let listener = try await VatNetwork().listen(
        address: .tcp(host: "127.0.0.1", port: 0),
        secretKey: try SecretKey.generate(),
        serveTLS: false
    )
    let port = listener.port ?? 0
    let serving = Task {
        try await listener.run { transport in
            for try await message in transport.incoming {
                let builder = MessageBuilder()
                builder.initRoot(dataWords: 1, pointerCount: 0).write(
                    try message.root().read(UInt64.self, at: 0),
                    at: 0
                )
                try transport.send(frame: builder.serialize())
            }
        }
    }
    defer { serving.cancel() }
    let ref = SturdyRef(address: .tcp(host: "127.0.0.1", port: port), authentication: .insecure, serviceID: .empty)
    return try await VatNetwork().connect(to: ref) { transport, _ in
        var iterator = transport.incoming.makeAsyncIterator()
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while secondsIn(clock.now - start) < seconds {
            let builder = MessageBuilder()
            builder.initRoot(dataWords: 1, pointerCount: 0).write(UInt64(count), at: 0)
            try transport.send(frame: builder.serialize())
            guard let reply = try await iterator.next(), try reply.root().read(UInt64.self, at: 0) == UInt64(count)
            else {
                throw CppPeer.Failure("the echo went wrong")
            }
            count += 1
        }
        return Double(count) / secondsIn(clock.now - start)
    }
}

/// Serves the Swift TestService until killed.
func serve() async {
    do {
        let listener = try await VatNetwork().listen(
            address: .tcp(host: "127.0.0.1", port: 0),
            secretKey: try SecretKey.generate(),
            serveTLS: false
        )
        print("PORT \(listener.port ?? 0)")
        fflush(nil)
        let (_, service) = TestServiceServer.make()
        try await listener.run { transport in
            let connection = RPCConnection(transport: transport, bootstrap: service)
            await connection.start()
            _ = await connection.closedReason()
        }
    } catch {
        print("capnp-rpc-bench: \(error)")
        exit(1)
    }
}

func format(_ value: Double, decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + padding : padding + text
}

func main() async {
    var seconds = 3.0
    var transport = "both"
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        switch argument {
        case "serve":
            await serve()
            return
        case "transport":
            // The network layer alone: one-word frames echoed over loopback TCP, no RPC.
            do {
                print(
                    "transport frame-roundtrips-per-sec \(format(try await transportRoundTrips(seconds: 2), decimals: 0))"
                )
            } catch {
                print("capnp-rpc-bench: \(error)")
                exit(1)
            }
            return
        case "inmemory":
            // The engine alone: a Swift client and server over an in-memory link.
            do {
                let (left, right) = InMemoryTransport.pair()
                let server = RPCConnection(transport: right, bootstrap: TestServiceServer.make().1)
                await server.start()
                let figures = try await swiftClient(transport: left, seconds: 2)
                print("in-memory add-roundtrips-per-sec \(format(figures.addsPerSecond, decimals: 0))")
                print("in-memory pipeline-chains-per-sec \(format(figures.chainsPerSecond, decimals: 1))")
            } catch {
                print("capnp-rpc-bench: \(error)")
                exit(1)
            }
            return
        case "client":
            // capnp-rpc-bench client PORT [SECONDS]: the Swift client alone, against any server.
            guard let port = arguments.popFirst().flatMap({ Int($0) }) else {
                print("usage: capnp-rpc-bench client PORT [SECONDS]")
                exit(2)
            }
            do {
                let figures = try await swiftClient(port: port, seconds: arguments.popFirst().flatMap(Double.init) ?? 3)
                print("swift-client add-roundtrips-per-sec \(format(figures.addsPerSecond, decimals: 0))")
                print("swift-client pipeline-chains-per-sec \(format(figures.chainsPerSecond, decimals: 1))")
            } catch {
                print("capnp-rpc-bench: \(error)")
                exit(1)
            }
            return
        case "--seconds":
            guard let value = arguments.popFirst().flatMap(Double.init), value > 0 else {
                print("capnp-rpc-bench: --seconds needs a positive number")
                exit(2)
            }
            seconds = value
        case "--transport":
            guard let value = arguments.popFirst(), ["tcp", "tls", "both"].contains(value) else {
                print("capnp-rpc-bench: --transport is tcp, tls or both")
                exit(2)
            }
            transport = value
        default:
            print("usage: capnp-rpc-bench [--seconds S] [--transport tcp|tls|both]")
            exit(2)
        }
    }

    do {
        let transports: [Bool] =
            switch ProcessInfo.processInfo.environment["RPC_BENCH_TRANSPORT"] ?? transport {
            case "tcp": [false]
            case "tls": [true]
            default: [false, true]
            }
        for tls in transports {
            try await measure(tls: tls, seconds: seconds)
        }
    } catch {
        print("capnp-rpc-bench: \(error)")
        exit(1)
    }
}

/// Every pairing over one transport, then their table.
func measure(tls: Bool, seconds: Double) async throws {
    let cppServer = try await CppPeer.Server(tls: tls)
    defer { cppServer.stop() }
    let key = try SecretKey.generate()
    let listener = try await VatNetwork().listen(
        address: .tcp(host: "127.0.0.1", port: 0),
        secretKey: key,
        serveTLS: tls
    )
    guard let swiftPort = listener.port else { throw CppPeer.Failure("the Swift listener has no port") }
    let swiftDigest = tls ? key.publicKeyDigest.base64URL : nil
    let (_, service) = TestServiceServer.make()
    let serving = Task {
        try await listener.run { transport in
            let connection = RPCConnection(transport: transport, bootstrap: service)
            await connection.start()
            _ = await connection.closedReason()
        }
    }

    let name = tls ? "TLS (capnp-rpc's: RSA-2048 certificates, key pinning)" : "no TLS"
    print("capnp-rpc-bench: \(format(seconds, decimals: 1)) s per figure, loopback TCP, \(name)")
    var rows: [(String, Figures)] = []
    let pairings: [(String, Bool, Int, String?)] = [
        ("C++ client -> C++ server", false, cppServer.port, cppServer.tlsDigest),
        ("C++ client -> Swift server", false, swiftPort, swiftDigest),
        ("Swift client -> C++ server", true, cppServer.port, cppServer.tlsDigest),
        ("Swift client -> Swift server", true, swiftPort, swiftDigest),
    ]
    let only = ProcessInfo.processInfo.environment["RPC_BENCH_ONLY"] ?? ""
    for (name, swift, port, digest) in pairings where name.hasPrefix(only) {
        let figures =
            swift
            ? try await swiftClient(port: port, tlsDigest: digest, seconds: seconds)
            : try await cppClient(port: port, tlsDigest: digest, seconds: seconds)
        print(
            "  \(name): \(format(figures.addsPerSecond, decimals: 0)) add/s, "
                + "\(format(figures.chainsPerSecond, decimals: 1)) chains/s"
        )
        fflush(nil)
        rows.append((name, figures))
    }
    await listener.close()
    serving.cancel()
    guard let base = rows.first?.1 else { return }
    print("")
    print(
        pad("pairing (\(tls ? "TLS" : "TCP"))", 30, left: true) + pad("add round trips/s", 19) + pad("ratio", 8)
            + pad("100-deep chains/s", 19) + pad("ratio", 8)
    )
    for (name, figures) in rows {
        print(
            pad(name, 30, left: true)
                + pad(format(figures.addsPerSecond, decimals: 0), 19)
                + pad(format(figures.addsPerSecond / base.addsPerSecond, decimals: 2), 8)
                + pad(format(figures.chainsPerSecond, decimals: 1), 19)
                + pad(format(figures.chainsPerSecond / base.chainsPerSecond, decimals: 2), 8)
        )
    }
    print("(ratio: against C++ client -> C++ server over the same transport)")
    print("")
}

await main()
