// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a pipe on a thread of its own and hands each line (without its newline) to a callback as
/// soon as it arrives. A final line without a newline is delivered at end-of-file; a line longer
/// than ``maximumLineLength`` bytes is delivered in pieces.
enum OutputLineReader {
    static let maximumLineLength = 65536

    /// Reads `fd` until end-of-file, then closes it and returns.
    static func readLines(_ fd: Int32, _ onLine: @escaping @Sendable (String) -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            BlockingThread.detach {
                blockingReadLines(fd, onLine)
                close(fd)
                continuation.resume()
            }
        }
    }

    private static func blockingReadLines(_ fd: Int32, _ onLine: (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            for byte in buffer[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    onLine(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(byte)
                    if pending.count >= maximumLineLength {
                        onLine(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
    }
}
