// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Forwards a step's output lines to the build's log callback and saves them in the snapshot's
/// log file, from whichever thread reads them; also keeps the last lines for error messages.
final class StepLog: Sendable {
    private struct State {
        var fd: Int32
        var tail: [String] = []
    }
    private let state: Mutex<State>
    private let log: @Sendable (OBuilderLogEvent) -> Void
    static let tailLength = 20

    init(file: String, log: @escaping @Sendable (OBuilderLogEvent) -> Void) {
        self.state = Mutex(State(fd: open(file, O_WRONLY | O_APPEND | O_CLOEXEC)))
        self.log = log
    }

    func line(_ text: String) {
        state.withLock { state in
            if state.fd >= 0 {
                let bytes = Array((text + "\n").utf8)
                _ = bytes.withUnsafeBytes { write(state.fd, $0.baseAddress, $0.count) }
            }
            state.tail.append(text)
            if state.tail.count > Self.tailLength { state.tail.removeFirst() }
            log(.output(text))
        }
    }

    /// The last lines written.
    var tail: [String] { state.withLock { $0.tail } }

    func close() {
        state.withLock { state in
            if state.fd >= 0 { _ = Glibc.close(state.fd) }
            state.fd = -1
        }
    }
}
