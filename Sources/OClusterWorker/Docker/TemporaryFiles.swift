// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation

/// Temporary files and directories named as ocluster names them (`build-worker-*.iid`,
/// `build-worker-*.secret`, `build-worker-*-docker`), in the system temporary directory.
enum TemporaryFiles {
    static var directory: String {
        let path = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        return path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// Creates an empty file (mode 0600) `build-worker-XXXXXX<suffix>` and returns its path.
    static func makeFile(suffix: String, contents: [UInt8] = []) throws -> String {
        var template = Array((directory + "/build-worker-XXXXXX" + suffix).utf8CString)
        let fd = makeTemporaryFile(&template, Int32(suffix.utf8.count), O_CLOEXEC)
        guard fd >= 0 else {
            throw WorkerError(.fileSystem, "Cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var offset = 0
        while offset < contents.count {
            let written = contents.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else {
                unlink(path)
                throw WorkerError(.fileSystem, "Cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        return path
    }

    /// Creates a directory (mode 0700) `build-worker-XXXXXX<suffix>` and returns its path.
    static func makeDirectory(suffix: String) throws -> String {
        // mkdtemp wants the X's last, so the suffix is added by a rename-free second step.
        var template = Array((directory + "/build-worker-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw WorkerError(.fileSystem, "Cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        let base = String(cString: made)
        let path = base + suffix
        guard rename(base, path) == 0 else {
            rmdir(base)
            throw WorkerError(.fileSystem, "Cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// `mkostemps(3)`, which Glibc declares only under `_GNU_SOURCE`: `mkstemps` with flags, here
/// close-on-exec, so that a child spawned meanwhile by another thread cannot inherit the file.
@_silgen_name("mkostemps")
private func makeTemporaryFile(_ template: UnsafeMutablePointer<CChar>, _ suffixLength: Int32, _ flags: Int32) -> Int32
