// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Prometheus
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process's own metrics, read from /proc when metrics are rendered.
///
/// `process_cpu_seconds_total` and `process_start_time_seconds` are what ocluster's daemons export
/// (prometheus-app's runtime metrics, both typed `counter` there); the others are the names
/// Prometheus's client libraries use for memory and descriptors, useful to watch a daemon under
/// attack.
final class ProcessMetrics: Sendable {
    private let cpu: Counter
    private let cpuSeconds = Mutex(0.0)
    private let resident: Gauge
    private let virtual: Gauge
    private let openFiles: Gauge
    private let maxFiles: Gauge

    init(registry: PrometheusCollectorRegistry) {
        let start = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "process_start_time_seconds",
                unitName: "",
                helpText: "Start time of the process since unix epoch in seconds."
            )
        )
        start.increment(by: Self.startTime())
        cpu = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "process_cpu_seconds_total",
                unitName: "",
                helpText: "Total user and system CPU time spent in seconds."
            )
        )
        resident = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "process_resident_memory_bytes",
                unitName: "",
                helpText: "Resident memory size in bytes."
            )
        )
        virtual = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "process_virtual_memory_bytes",
                unitName: "",
                helpText: "Virtual memory size in bytes."
            )
        )
        openFiles = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "process_open_fds",
                unitName: "",
                helpText: "Number of open file descriptors."
            )
        )
        maxFiles = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "process_max_fds",
                unitName: "",
                helpText: "Maximum number of open file descriptors."
            )
        )
        update()
    }

    /// Reads the current figures into the gauges and counters.
    func update() {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").compactMap { Double($0) }
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if pages.count >= 2 {
            virtual.set(to: pages[0] * pageSize)
            resident.set(to: pages[1] * pageSize)
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 0
        // Less the one the listing itself opened.
        openFiles.set(to: Double(max(0, descriptors - 1)))
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            maxFiles.set(to: Double(limit.rlim_cur))
        }
        var usage = rusage()
        if getrusage(RUSAGE_SELF.rawValue, &usage) == 0 {
            let seconds =
                Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            let delta = cpuSeconds.withLock { last in
                defer { last = max(last, seconds) }
                return seconds - last
            }
            if delta > 0 { cpu.increment(by: delta) }
        }
    }

    /// When the process started, from its start tick in /proc/self/stat and the boot time.
    private static func startTime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return Date().timeIntervalSince1970 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Field 22 of the file (starttime) is the 20th after the name.
        guard fields.count > 19, let ticks = Double(fields[19]),
            let bootLine = ((try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? "")
                .split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(bootLine.dropFirst(6))
        else { return Date().timeIntervalSince1970 }
        return boot + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
