// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// The summary table of a driver session: per scheduler and queue length, the range (min–max)
/// over the runs of each figure, and the ratio of the first scheduler to each other one, run by
/// run (a ratio above 1 means the first scheduler does better: more assignments per second, less
/// CPU, memory or latency).
struct Report {
    var figures: [Driver.Figures]
    var schedulers: [String]

    var text: String {
        var lines: [String] = []
        let levels = Array(Set(figures.map(\.queued))).sorted()
        lines.append(
            "scheduler  queued   assignments/s      CPU µs/assignment  RSS MiB (anonymous)          "
                + "submit→start p50 / p99 ms"
        )
        for scheduler in schedulers {
            for queued in levels {
                let rows = figures.filter { $0.scheduler == scheduler && $0.queued == queued }
                guard !rows.isEmpty else { continue }
                lines.append(
                    pad(scheduler, 11) + pad("\(queued)", 9)
                        + pad(range(rows.map(\.rate), "%.0f"), 19)
                        + pad(range(rows.map(\.cpuMicrosecondsPerAssignment), "%.1f"), 19)
                        + pad(
                            range(rows.map(\.residentMiB), "%.1f") + " (" + range(rows.map(\.anonymousMiB), "%.1f")
                                + ")",
                            29
                        )
                        + range(rows.compactMap { $0.latency.percentile(0.5) }, "%.2f") + " / "
                        + range(rows.compactMap { $0.latency.percentile(0.99) }, "%.2f")
                )
            }
            let idle = figures.filter { $0.scheduler == scheduler }.compactMap(\.idleLatency)
            if !idle.isEmpty {
                lines.append(
                    pad(scheduler, 11) + "idle worker: submit→start p50 "
                        + range(idle.compactMap { $0.percentile(0.5) }, "%.3f") + " ms, p99 "
                        + range(idle.compactMap { $0.percentile(0.99) }, "%.3f") + " ms"
                )
            }
            let connections = figures.filter { $0.scheduler == scheduler }.compactMap(\.idle)
            if let first = connections.first {
                lines.append(
                    pad(scheduler, 11) + "\(first.connections + first.failed) idle connections ("
                        + range(connections.map { Double($0.failed) }, "%.0f") + " failed): "
                        + range(connections.map(\.handshakesPerSecond), "%.0f") + " handshakes/s, "
                        + range(connections.map(\.kibPerConnection), "%.1f") + " KiB RSS each, RSS with them "
                        + range(connections.map(\.residentAfterMiB), "%.1f") + " MiB"
                )
            }
        }
        guard let base = schedulers.first, schedulers.count > 1 else { return lines.joined(separator: "\n") }
        lines.append("")
        for other in schedulers.dropFirst() {
            for queued in levels {
                let pairs = figures.filter { $0.scheduler == base && $0.queued == queued }.compactMap { mine in
                    figures.first { $0.scheduler == other && $0.queued == queued && $0.run == mine.run }.map {
                        (mine, $0)
                    }
                }
                guard !pairs.isEmpty else { continue }
                lines.append(
                    "\(base)/\(other) at \(queued) queued (>1: \(base) better): assignments/s "
                        + range(pairs.map { $0.0.rate / $0.1.rate }, "%.2f") + ", CPU/assignment "
                        + range(
                            pairs.map { $0.1.cpuMicrosecondsPerAssignment / $0.0.cpuMicrosecondsPerAssignment },
                            "%.2f"
                        )
                        + ", RSS " + range(pairs.map { $0.1.residentMiB / $0.0.residentMiB }, "%.2f")
                        + ", p99 "
                        + range(
                            pairs.compactMap { pair in
                                guard let mine = pair.0.latency.percentile(0.99),
                                    let theirs = pair.1.latency.percentile(0.99)
                                else { return nil }
                                return theirs / mine
                            },
                            "%.2f"
                        )
                )
            }
            let idlePairs = figures.filter { $0.scheduler == base }.compactMap { mine -> Double? in
                guard
                    let theirs = figures.first(where: {
                        $0.scheduler == other && $0.run == mine.run && $0.idleLatency != nil
                    }),
                    let a = mine.idleLatency?.percentile(0.99), let b = theirs.idleLatency?.percentile(0.99)
                else { return nil }
                return b / a
            }
            if !idlePairs.isEmpty {
                lines.append(
                    "\(base)/\(other) idle-worker p99 latency (>1: \(base) better): " + range(idlePairs, "%.2f")
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    private func range(_ values: [Double], _ format: String) -> String {
        guard let low = values.min(), let high = values.max() else { return "-" }
        let a = String(format: format, low)
        let b = String(format: format, high)
        return a == b ? a : a + "–" + b
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - text.count))
    }
}
