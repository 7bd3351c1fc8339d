// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import CapnProto
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations key and cap files need, with exact modes and `O_EXCL`.
enum FileIO {
    /// Whether something exists at `path`.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The whole content of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open \(path)") }
        defer { close(fd) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glue.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read \(path)")
            }
            if count == 0 { return content }
            content += chunk[0..<count]
        }
    }

    /// Writes `bytes` to `path` with the given mode.
    ///
    /// - Parameter exclusive: fail if the file exists (`O_EXCL`); otherwise truncate it.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t, exclusive: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw failure("cannot create \(path)") }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw failure("cannot set the mode of \(path)") }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glue.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write \(path)")
            }
            offset += count
        }
    }

    private static func failure(_ what: String) -> NetworkError {
        let code = errno
        return NetworkError(.fileSystem, "\(what): \(String(cString: strerror(code))) (errno \(code))")
    }
}

/// The C functions whose names the enclosing types shadow.
private enum Glue {
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Darwin)
        Darwin.read(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.read(fd, buffer, count)
        #else
        Glibc.read(fd, buffer, count)
        #endif
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Darwin)
        Darwin.write(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.write(fd, buffer, count)
        #else
        Glibc.write(fd, buffer, count)
        #endif
    }
}
