// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The benchmark's jobs carry their submit time in their repository URL, so that the worker that
/// takes one can tell how long it waited (the scheduler never reads the URL).
enum JobStamp {
    static let prefix = "https://bench.invalid/submitted-at/"

    static func repository(submittedAt nanoseconds: UInt64) -> String { "\(prefix)\(nanoseconds).git" }

    static func submitted(repository: String) -> UInt64? {
        guard repository.hasPrefix(prefix), repository.hasSuffix(".git") else { return nil }
        return UInt64(repository.dropFirst(prefix.count).dropLast(4))
    }
}
