// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser

/// How every flag measured in seconds is checked and turned into a `Duration`: finite, not negative,
/// at most ``maximum``, kept to the millisecond. Each conversion written by hand used to trap on a huge or
/// infinite value (`--capnp-frame-timeout inf` killed the daemon at start-up).
public enum SecondsFlag {
    /// A century: beyond any timeout or interval that means something, and far inside what a `Duration`
    /// counted in milliseconds holds.
    public static let maximum: Double = 3_153_600_000

    /// Throws a `ValidationError` naming `flag` unless `seconds` is from 0 (above 0 unless `allowsZero`) to
    /// `maximum`.
    public static func validate(
        _ seconds: Double,
        flag: String,
        allowsZero: Bool = true,
        maximum: Double = SecondsFlag.maximum
    ) throws {
        guard seconds.isFinite, allowsZero ? seconds >= 0 : seconds > 0, seconds <= maximum else {
            let lowest = allowsZero ? "from 0" : "above 0"
            throw ValidationError("\(flag) must be a number of seconds \(lowest), at most \(Int(maximum))")
        }
    }

    /// A validated number of seconds as a `Duration`.
    public static func duration(_ seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// A validated number of seconds as a `Duration`, or nil for 0 (the flags' "never" or "no limit").
    public static func durationUnlessZero(_ seconds: Double) -> Duration? {
        seconds > 0 ? duration(seconds) : nil
    }
}
