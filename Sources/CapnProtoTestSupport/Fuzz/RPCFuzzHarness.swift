// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import Foundation
import Logging
import Synchronization

/// One RPC-engine fuzz case: an ``RPCConnection`` serving a ``TestServiceServer`` is fed the
/// messages an input describes, as a hostile peer would send them, then torn down; what it must
/// leave behind is nothing.
///
/// The input is a program, not a frame: each step picks a message kind (Bootstrap, Call, Return,
/// Finish, Release, Resolve, Disembargo, Abort, Unimplemented, or a raw frame) and fills its
/// fields from the following bytes, using the ids the engine has actually sent (its questions,
/// exports and embargoes) most of the time, so the fuzzer reaches deep states instead of failing
/// at the decoder. Everything runs on the caller's thread through a ``ManualRPCExecutor``, which
/// runs to idle after each message. Shared by the libFuzzer target (Fuzz/RPCFuzzer) and the
/// corpus regression test.
public enum RPCFuzzHarness {
    /// Runs one input; traps if the connection leaks after teardown (the fuzzer's oracle).
    public static func run(_ bytes: [UInt8]) {
        if let problem = check(bytes) { fatalError(problem) }
    }

    /// Runs one input on the calling thread and says what it left behind after teardown (nil:
    /// nothing).
    public static func check(_ bytes: [UInt8]) -> String? {
        let executor = ManualRPCExecutor()
        weak var weakConnection: RPCConnection?
        weak var weakServer: TestServiceServer?
        weak var weakTransport: FuzzTransport?
        let counters: LiveCount
        do {
            let (server, bootstrap) = TestServiceServer.make()
            counters = server.counters
            let transport = FuzzTransport(executor: executor)
            let connection = RPCConnection(
                transport: transport,
                bootstrap: bootstrap,
                limits: RPCLimits(maxAnswers: 32),
                logger: Logger(label: "capnp.rpc.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            (weakConnection, weakServer, weakTransport) = (connection, server, transport)
            executor.execute { connection.assumeIsolated { $0.start() } }
            executor.runUntilIdle()
            var peer = FuzzPeer(transport: transport)
            var input = FuzzInput(bytes)
            var steps = 0
            while !input.isAtEnd, steps < 64 {
                steps += 1
                guard let frame = peer.nextFrame(&input) else { continue }
                guard let receiver = transport.receiver else { break }
                guard let message = try? Framing.decode(frame) else { continue }
                receiver.receive(message)
                executor.runUntilIdle()
                peer.observe(transport.takeSent())
            }
            // Teardown: the peer goes away.
            transport.receiver?.receiveEnd(nil)
            executor.runUntilIdle()
            let sizes = connection.assumeIsolated { $0.tableSizes }
            guard sizes == (0, 0, 0, 0) else { return "tables not empty after disconnect: \(sizes)" }
            server.this.withLock { $0 = nil }
            server.held.withLock { $0 = nil }
        }
        // Work still running on the global pool (a close, a promise forwarding) comes back here;
        // wait for it with a generous deadline, then everything must be gone.
        let deadline = Date().addingTimeInterval(20)
        while true {
            executor.runUntilIdle()
            if weakConnection == nil, weakServer == nil, weakTransport == nil, counters.current == 0,
                executor.isIdle
            {
                return nil
            }
            if Date() > deadline {
                return
                    ("leak after teardown: connection \(weakConnection != nil), server \(weakServer != nil), "
                    + "transport \(weakTransport != nil), counters \(counters.current)")
            }
            usleep(100)
        }
    }
}
