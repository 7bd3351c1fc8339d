// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProtoNetwork
import CapnProtoRPC
import OClusterCLISupport
import Testing

/// The scheduler's `--capnp-max-calls*` flags reach the RPC engine's limits, and nonsense is refused.
@Suite struct ConnectionLimitOptionsTests {
    @Test func callLimitFlagsBecomeTheEngineLimits() throws {
        #expect(try ConnectionLimitOptions.parse([]).limits.rpc == RPCLimits.default)
        let options = try ConnectionLimitOptions.parse([
            "--capnp-max-calls", "1000", "--capnp-max-calls-without-capability", "7",
        ])
        #expect(options.limits.rpc == RPCLimits(maxAnswers: 1000, maxAnswersWithoutCapability: 7))
    }

    @Test(arguments: [
        (["--capnp-max-calls", "0"], "--capnp-max-calls must be at least 1"),
        (["--capnp-max-calls-without-capability", "0"], "--capnp-max-calls-without-capability must be at least 1"),
    ])
    func aCallLimitBelowOneIsRefused(arguments: [String], message: String) {
        let error = #expect(throws: (any Error).self) { try ConnectionLimitOptions.parse(arguments) }
        #expect(error.map { ConnectionLimitOptions.message(for: $0) }?.contains(message) == true)
    }
}
