// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Something went wrong setting up or running a benchmark; it stops with this message.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
