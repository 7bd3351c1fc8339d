// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterCLISupport
import Testing

/// The one reading of `SECONDS` flags (the scheduler's and worker's timeouts and intervals).
@Suite struct SecondsFlagTests {
    @Test(arguments: [-1, .infinity, -.infinity, .nan, 1e300, SecondsFlag.maximum + 1])
    func outOfRangeIsAnError(seconds: Double) {
        #expect(throws: (any Error).self) { try SecondsFlag.validate(seconds, flag: "--x") }
    }

    @Test func zeroOnlyWhereItMeansNever() throws {
        try SecondsFlag.validate(0, flag: "--x")
        #expect(throws: (any Error).self) { try SecondsFlag.validate(0, flag: "--x", allowsZero: false) }
        #expect(throws: (any Error).self) { try SecondsFlag.validate(86_401, flag: "--x", maximum: 86_400) }
        try SecondsFlag.validate(SecondsFlag.maximum, flag: "--x")
    }

    @Test func durationsToTheMillisecond() {
        #expect(SecondsFlag.duration(1.5) == .milliseconds(1500))
        #expect(SecondsFlag.duration(0.0004) == .zero)
        #expect(SecondsFlag.duration(SecondsFlag.maximum) == .seconds(3_153_600_000))
        #expect(SecondsFlag.durationUnlessZero(0) == nil)
        #expect(SecondsFlag.durationUnlessZero(2) == .seconds(2))
    }
}
