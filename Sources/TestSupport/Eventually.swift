// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Polls `condition` every `interval` until it holds or `timeout` passes, and returns whether it
/// held. The timeout is generous on purpose: the wait ends as soon as the condition holds, and a
/// loaded machine can take seconds to run a few tasks. A cancelled wait checks once more and returns.
public func eventually(
    timeout: Duration = .seconds(30),
    every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        // Cancelled: stop polling (a sleep that fails at once would spin a thread until the deadline).
        do { try await Task.sleep(for: interval) } catch { break }
    }
    return try await condition()
}

/// Waits like ``eventually(timeout:every:_:)`` and throws ``WaitTimedOut`` naming `what` when the
/// condition never held, so the test stops at the wait with a message saying what it waited for.
public func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(30),
    every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async throws {
    if try await eventually(timeout: timeout, every: interval, condition) { return }
    throw WaitTimedOut(what: what, timeout: timeout)
}

/// A condition awaited by ``waitUntil(_:timeout:every:_:)`` did not hold in time.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var timeout: Duration

    public var description: String { "timed out after \(timeout) waiting until \(what)" }
}
