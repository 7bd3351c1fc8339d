// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Limits that bound the work a reader does on untrusted input.
///
/// The defaults match C++ capnp's `ReaderOptions`: a hostile message can make a reader walk
/// at most `traversalLimitWords` words in total (which also caps list amplification, where a
/// list of empty elements claims millions of entries) and follow pointers at most
/// `nestingLimit` deep.
public struct ReaderOptions: Sendable, Hashable {
    /// Total words a reader may visit, summed over every pointer followed (8 Mi words = 64 MiB).
    public var traversalLimitWords: Int
    /// How deep structs and lists may nest.
    public var nestingLimit: Int
    /// Largest number of segments accepted in a stream frame (C++ refuses 512 and more, so
    /// the default is 511).
    public var segmentLimit: Int

    public init(traversalLimitWords: Int = 8 * 1024 * 1024, nestingLimit: Int = 64, segmentLimit: Int = 511) {
        self.traversalLimitWords = traversalLimitWords
        self.nestingLimit = nestingLimit
        self.segmentLimit = segmentLimit
    }

    /// The C++ defaults.
    public static let `default` = ReaderOptions()
}
