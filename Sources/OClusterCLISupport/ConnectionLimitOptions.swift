// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProtoNetwork
import CapnProtoRPC

/// Limits on what peers can make a daemon hold (see ``ConnectionLimits``). Not in ocluster, whose
/// daemons have none of these bounds.
public struct ConnectionLimitOptions: ParsableArguments, Sendable {
    /// `--capnp-bootstrap-timeout`.
    @Option(
        name: .customLong("capnp-bootstrap-timeout"),
        help: ArgumentHelp(
            "Seconds an accepted connection may stay open without a Bootstrap (0: no limit).",
            valueName: "SECONDS"
        )
    )
    public var bootstrapTimeout: Double = 30

    /// `--capnp-frame-timeout`.
    @Option(
        name: .customLong("capnp-frame-timeout"),
        help: ArgumentHelp("Seconds one message may take to arrive once begun (0: no limit).", valueName: "SECONDS")
    )
    public var frameTimeout: Double = 60

    /// `--capnp-max-connections`.
    @Option(
        name: .customLong("capnp-max-connections"),
        help: ArgumentHelp(
            "Accepted connections open at once (lowered to fit the open-file limit).",
            valueName: "N"
        )
    )
    public var maxConnections: Int = ConnectionLimits.default.maxConnections

    /// `--capnp-reserved-connections`.
    @Option(
        name: .customLong("capnp-reserved-connections"),
        help: ArgumentHelp(
            "Of those, how many are kept for workers and admins (registration and admin services).",
            valueName: "N"
        )
    )
    public var reservedConnections: Int = ConnectionLimits.default.reservedConnections

    /// `--capnp-max-calls`.
    @Option(
        name: .customLong("capnp-max-calls"),
        help: ArgumentHelp(
            "Calls a peer may have outstanding (not finished) on one connection before it is dropped.",
            valueName: "N"
        )
    )
    public var maxCalls: Int = RPCLimits.default.maxAnswers

    /// `--capnp-max-calls-without-capability`.
    @Option(
        name: .customLong("capnp-max-calls-without-capability"),
        help: ArgumentHelp(
            "The same, for a peer holding none of our capabilities (its Bootstrap named no service).",
            valueName: "N"
        )
    )
    public var maxCallsWithoutCapability: Int = RPCLimits.default.maxAnswersWithoutCapability

    /// Creates the options (for ArgumentParser).
    public init() {}

    public func validate() throws {
        try SecondsFlag.validate(bootstrapTimeout, flag: "--capnp-bootstrap-timeout")
        try SecondsFlag.validate(frameTimeout, flag: "--capnp-frame-timeout")
        guard maxConnections >= 1, reservedConnections >= 0, reservedConnections < maxConnections else {
            throw ValidationError("--capnp-reserved-connections must be below --capnp-max-connections (at least 1)")
        }
        guard maxCalls >= 1 else { throw ValidationError("--capnp-max-calls must be at least 1") }
        guard maxCallsWithoutCapability >= 1 else {
            throw ValidationError("--capnp-max-calls-without-capability must be at least 1")
        }
    }

    /// The limits these options give.
    public var limits: ConnectionLimits {
        ConnectionLimits(
            bootstrapTimeout: SecondsFlag.durationUnlessZero(bootstrapTimeout),
            frameTimeout: SecondsFlag.durationUnlessZero(frameTimeout),
            maxConnections: maxConnections,
            reservedConnections: reservedConnections,
            rpc: RPCLimits(maxAnswers: maxCalls, maxAnswersWithoutCapability: maxCallsWithoutCapability)
        )
    }
}
