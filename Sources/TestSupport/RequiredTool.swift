// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Testing

/// Gates a test or suite on an external tool (`capnp`, `openssl`, `runc`, dockerd, a loop device…).
/// Without the tool the test is skipped on a developer's machine, but fails when the `CI`
/// environment variable is set: CI installs every tool, so a missing one is a broken CI machine,
/// not a reason to pass without testing.
public struct RequiredTool: TestTrait, SuiteTrait {
    public let name: String
    let isAvailable: @Sendable () -> Bool

    /// Whether the `CI` environment variable is set.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    public func prepare(for test: Test) async throws {
        if isAvailable() { return }
        if Self.isCI { throw Missing(name: name) }
        try await ConditionTrait.disabled("needs \(name)").prepare(for: test)
    }

    /// For a check inside a test that only runs with the tool: whether `available` holds; when not
    /// and `CI` is set, records an issue, so the check cannot be silently left out in CI.
    public static func check(
        _ name: String,
        _ available: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        if available { return true }
        if isCI { Issue.record(Missing(name: name), sourceLocation: sourceLocation) }
        return false
    }

    /// The tool is missing on a CI machine.
    public struct Missing: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "\(name) is missing, and CI is set: this test must run in CI" }
    }
}

extension Trait where Self == RequiredTool {
    /// Runs the test only where `available` holds; fails it instead of skipping when `CI` is set.
    public static func requires(_ name: String, _ available: @autoclosure @escaping @Sendable () -> Bool) -> Self {
        RequiredTool(name: name, isAvailable: available)
    }
}
