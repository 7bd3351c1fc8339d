// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command's results and complaints go: standard output and standard error by default,
/// or anything else (tests capture both).
///
/// Writes are unbuffered, as ocluster flushes after every line and every log chunk, so output
/// and errors keep their order when both go to one pipe.
public struct CommandOutput: Sendable {
    /// Writes bytes to the command's standard output.
    public let writeOut: @Sendable ([UInt8]) -> Void
    /// Writes bytes to the command's standard error.
    public let writeErr: @Sendable ([UInt8]) -> Void

    /// An output writing to the given places.
    public init(out: @escaping @Sendable ([UInt8]) -> Void, err: @escaping @Sendable ([UInt8]) -> Void) {
        self.writeOut = out
        self.writeErr = err
    }

    /// The process's standard output and standard error.
    public static let standard = CommandOutput(out: { writeAll(1, $0) }, err: { writeAll(2, $0) })

    /// Prints `text` and a newline on standard output.
    public func out(_ text: String) { writeOut(Array((text + "\n").utf8)) }

    /// Prints `text` and a newline on standard error.
    public func err(_ text: String) { writeErr(Array((text + "\n").utf8)) }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
