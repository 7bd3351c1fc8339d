// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork
import Testing

@Suite struct ReconnectTests {
    @Test func backoffDoublesUpToTheCap() {
        var backoff = ReconnectBackoff()
        let delays = (0..<9).map { _ in backoff.failed(uptime: .zero, randomFraction: 0.5) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(backoff.failures == 9)
    }

    @Test func healthySessionResetsTheBackoff() {
        var backoff = ReconnectBackoff()
        for _ in 0..<5 { _ = backoff.failed(uptime: .seconds(1), randomFraction: 0.5) }
        #expect(backoff.failed(uptime: .seconds(29), randomFraction: 0.5) == .seconds(32))
        #expect(backoff.failed(uptime: .seconds(30), randomFraction: 0.5) == .seconds(1))
        #expect(backoff.failed(uptime: .zero, randomFraction: 0.5) == .seconds(2))
        backoff.reset()
        #expect(backoff.failed(uptime: .zero, randomFraction: 0.5) == .seconds(1))
    }

    @Test func jitterStaysInItsBand() {
        var low = ReconnectBackoff(configuration: .init(initialDelay: .seconds(10), jitter: 0.2))
        var high = low
        #expect(low.failed(uptime: .zero, randomFraction: 0) == .seconds(8))
        #expect(high.failed(uptime: .zero, randomFraction: 1) == .seconds(12))
    }

    @Test func manyFailuresNeverOverflow() {
        var backoff = ReconnectBackoff(configuration: .init(multiplier: 1e300))
        for _ in 0..<10_000 { _ = backoff.failed(uptime: .zero, randomFraction: 0.5) }
        #expect(backoff.failed(uptime: .zero, randomFraction: 0.5) == .seconds(60))
    }
}
