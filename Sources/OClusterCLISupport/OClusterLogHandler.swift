// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import Logging
import Metrics
import Synchronization

/// Writes log lines to stderr as ocluster's reporter does:
/// `YYYY-MM-DD HH:MM.SS <source, right-aligned in 14 columns> [LEVEL] message`.
///
/// `notice` plays the role of ocluster's `app` level (e.g. "Wrote capability reference to …"): shown at every
/// verbosity except `quiet`. Each message also counts in `prometheus_logs_messages_total{level,src}`, as the
/// OCaml Prometheus library does.
public struct OClusterLogHandler: LogHandler {
    /// The source name shown in each line.
    public let label: String
    /// Extra metadata, printed after the message.
    public var metadata: Logger.Metadata = [:]
    /// The threshold swift-log filters on before calling ``log(event:)``.
    public var logLevel: Logger.Level
    private let verbosity: Verbosity

    /// A handler for `label` at `verbosity`.
    public init(label: String, verbosity: Verbosity) {
        self.label = label
        self.verbosity = verbosity
        self.logLevel =
            switch verbosity {
            case .quiet: .critical
            case .error, .warning: .notice
            case .info: .info
            case .debug: .debug
            }
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Prints one line if the verbosity admits it.
    public func log(event: LogEvent) {
        guard admits(event.level) else { return }
        LogCounters.shared.count(level: event.level, source: label)
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let suffix =
            merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        let source = label.count >= 14 ? label : String(repeating: " ", count: 14 - label.count) + label
        let line = "\(Self.timestamp()) \(source) [\(Self.name(event.level))] \(event.message)\(suffix)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func admits(_ level: Logger.Level) -> Bool {
        switch verbosity {
        case .quiet: false
        case .error: level >= .error || level == .notice
        case .warning: level >= .notice
        case .info: level >= .info
        case .debug: true
        }
    }

    private static func name(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "APP"
        case .warning: "WARNING"
        case .error, .critical: "ERROR"
        }
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)).\(two(parts.tm_sec))"
    }
}

/// `prometheus_logs_messages_total{level,src}` counters, made on first use.
final class LogCounters: Sendable {
    static let shared = LogCounters()
    private let counters = Mutex<[String: Counter]>([:])

    func count(level: Logger.Level, source: String) {
        let levelName =
            switch level {
            case .trace, .debug: "debug"
            case .info: "info"
            case .notice: "app"
            case .warning: "warning"
            case .error, .critical: "error"
            }
        let key = levelName + "\u{0}" + source
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "prometheus_logs_messages_total",
                dimensions: [("level", levelName), ("src", source)]
            )
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
