// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork
import Logging
import Synchronization
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

    @Test func loopRetriesWithBackoffAndLogsOneLinePerFailure() async throws {
        let clock = TestClock()
        let log = LogRecorder()
        let logger = Logger(label: "test") { _ in log }
        let reconnector = Reconnector(
            name: "scheduler",
            configuration: .init(jitter: 0),
            clock: clock,
            logger: logger
        )
        let attempts = Mutex(0)
        try await reconnector.run {
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt == 4 { clock.advance(by: .seconds(45)) }  // a healthy session, then lost
            if attempt < 6 { throw NetworkError(.connectionFailed, "refused #\(attempt)") }
        }
        #expect(attempts.withLock { $0 } == 6)
        #expect(clock.sleeps == [1, 2, 4, 1, 2].map { Duration.seconds($0) })
        let lines = log.messages
        #expect(lines.count == 5)
        #expect(
            lines.first
                == "Connection to scheduler failed (attempt 1): NetworkError.connectionFailed: refused #1; retrying in 1.0s"
        )
        #expect(lines.last?.hasSuffix("refused #5; retrying in 2.0s") == true)
    }

    @Test func cancellationStopsTheLoop() async throws {
        let clock = TestClock()
        let reconnector = Reconnector(name: "x", clock: clock, logger: Logger(label: "test"))
        let task = Task {
            try await reconnector.run {
                withUnsafeCurrentTask { $0?.cancel() }
                throw NetworkError(.connectionFailed, "refused")
            }
        }
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}

/// A clock whose `sleep` returns at once, advancing time and recording how long was asked for.
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Mutex<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func advance(by duration: Duration) {
        state.withLock { $0.now = $0.now.advanced(by: duration) }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(state.now.duration(to: deadline))
            state.now = max(state.now, deadline)
        }
    }
}

/// A log handler keeping each message's text.
final class LogRecorder: LogHandler, @unchecked Sendable {
    // @unchecked: `lines` is guarded by its mutex; the other stored properties are the
    // LogHandler protocol's settings, only changed during set-up.
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var messages: [String] { lines.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.message)") }
    }
}
