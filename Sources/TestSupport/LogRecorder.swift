// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Logging
import Synchronization

/// Keeps the messages logged through ``logger``, so a test can await a component reaching a
/// state it only announces in its log (for instance "At capacity…" before it waits).
public final class LogRecorder: Sendable {
    private let recorded = Mutex<[String]>([])

    public init() {}

    /// A logger that records every message at every level.
    public var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The messages logged so far, oldest first.
    public var messages: [String] { recorded.withLock { $0 } }

    /// Whether a message containing `text` has been logged.
    public func contains(_ text: String) -> Bool { messages.contains { $0.contains(text) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.recorded.withLock { $0.append(event.message.description) }
        }
    }
}
