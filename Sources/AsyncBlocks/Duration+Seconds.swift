// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension Duration {
    /// The duration in seconds, as a `Double` (for logs, metrics and ocluster's float formats).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
