// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// Latencies in buckets 2% wide (so a percentile read from it is within 2%), small enough to
/// pass from a worker process to the driver as one line and to add up across processes.
struct LatencyHistogram: Sendable {
    private static let growth = 1.02
    private(set) var counts: [Int: Int] = [:]
    private(set) var total = 0

    mutating func record(nanoseconds: UInt64) {
        let bucket = nanoseconds <= 1 ? 0 : Int(log(Double(nanoseconds)) / log(Self.growth))
        counts[bucket, default: 0] += 1
        total += 1
    }

    mutating func add(_ other: LatencyHistogram) {
        for (bucket, count) in other.counts { counts[bucket, default: 0] += count }
        total += other.total
    }

    /// The latency below which `fraction` of the samples fall, in milliseconds (the bucket's upper bound).
    func percentile(_ fraction: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for bucket in counts.keys.sorted() {
            seen += counts[bucket] ?? 0
            if seen >= rank { return pow(Self.growth, Double(bucket + 1)) / 1e6 }
        }
        return nil
    }

    /// `bucket:count` pairs separated by commas (`-` when empty).
    var encoded: String {
        counts.isEmpty ? "-" : counts.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    init() {}

    init(encoded: Substring) throws {
        guard encoded != "-" else { return }
        for pair in encoded.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let bucket = Int(parts[0]), let count = Int(parts[1]), count >= 0 else {
                throw BenchFailure("bad histogram entry \"\(pair)\"")
            }
            counts[bucket, default: 0] += count
            total += count
        }
    }
}
