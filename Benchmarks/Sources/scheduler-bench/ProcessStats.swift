// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What Linux's `/proc/PID` says of a process: its CPU time so far and its memory.
struct ProcessStats: Sendable {
    /// User plus system CPU time, in seconds (`utime` + `stime` of `/proc/PID/stat`).
    var cpuSeconds: Double
    /// Resident set size (`VmRSS`), in MiB.
    var residentMiB: Double
    /// Its anonymous part (`RssAnon`: heap, stacks; no mapped files), in MiB.
    var anonymousMiB: Double

    /// Reads the figures of process `pid`; nil when it has gone.
    static func read(pid: Int32) -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessStats(
            cpuSeconds: (user + system) / ticks,
            residentMiB: field("VmRSS", in: status),
            anonymousMiB: field("RssAnon", in: status)
        )
    }

    /// A `Name:   1234 kB` line of `/proc/PID/status`, in MiB.
    private static func field(_ name: String, in status: String) -> Double {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
}
