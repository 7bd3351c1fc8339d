// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

/// Forwards a tool's output lines to the build log and keeps the last few for its error message.
final class LineTail: Sendable {
    private let state = Mutex<[String]>([])
    private let log: @Sendable (OBuilderLogEvent) -> Void
    static let length = 20

    init(log: @escaping @Sendable (OBuilderLogEvent) -> Void) { self.log = log }

    func add(_ line: String) {
        state.withLock { lines in
            lines.append(line)
            if lines.count > Self.length { lines.removeFirst() }
        }
        log(.output(line))
    }

    var lines: [String] { state.withLock { $0 } }
}
