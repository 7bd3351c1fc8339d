// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// The driver's commands, as a simulated-worker or client process reads them from its standard
/// input; the input's end means "stop now".
enum DriverCommands {
    /// Lines from standard input, read by a thread of their own.
    static func start() -> LineQueue {
        let lines = LineQueue()
        Thread.detachNewThread {
            var buffer: [UInt8] = []
            while true {
                let chunk = FileHandle.standardInput.availableData
                if chunk.isEmpty { break }
                buffer.append(contentsOf: chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.push(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
            }
            lines.finish()
        }
        return lines
    }

    /// Prints one report line for the driver, at once.
    static func report(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
