// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// One entry of a build's log, as the builder reports it while it runs.
public enum OBuilderLogEvent: Hashable, Sendable {
    /// A step starting, e.g. `/src: (run (shell "make"))` or `(from busybox)`.
    case heading(String)
    /// Builder commentary, e.g. `---> saved as "…"` or `---> using "…" from cache`.
    case note(String)
    /// One line of a command's output (stdout or stderr), or of a cached step's saved log.
    case output(String)

    /// The event as OCluster writes it to a job log now (see ``formatted(at:)``).
    public var formatted: String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return formatted(at: Int(time.tv_sec))
    }

    /// The event as OCluster writes it to a job log: headings in bold blue on their own line
    /// (`\n\e[01;34m…\e[0m\n`), notes in dim magenta after the UTC time `seconds` since the epoch,
    /// output verbatim with a newline.
    public func formatted(at seconds: Int) -> String {
        switch self {
        case .heading(let text): "\n\u{1B}[01;34m\(text)\u{1B}[0m\n"
        case .note(let text): "\u{1B}[01;2m\u{1B}[01;35m\(Self.timestamp(seconds)) \(text)\u{1B}[0m\n"
        case .output(let line): line + "\n"
        }
    }

    /// ocluster's `pp_timestamp`: `YYYY-MM-DD HH:MM.SS` in UTC (with its `.` before the seconds).
    public static func timestamp(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(parts.tm_year + 1900)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "\(paddedYear)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)).\(two(parts.tm_sec))"
    }
}
