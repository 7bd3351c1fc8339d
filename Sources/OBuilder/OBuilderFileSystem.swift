// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file operations the store, sandbox and builder need, as thin throwing wrappers over
/// POSIX calls (no Foundation, no following of symlinks unless said).
enum OBuilderFileSystem {
    static func errorText(_ code: Int32 = errno) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(OBuilderError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw OBuilderError(.fileSystem, "cannot create \(path): \(errorText())") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw OBuilderError(.fileSystem, "cannot write \(path): \(errorText())")
            }
            offset += written
        }
    }

    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws(OBuilderError) {
        try writeFile(path, Array(text.utf8), mode: mode)
    }

    /// Writes to a temporary name next to `path`, then renames it over `path`.
    static func writeFileAtomically(_ path: String, _ text: String) throws(OBuilderError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try writeFile(temporary, text)
        try rename(temporary, to: path)
    }

    /// `path`, prefixed with the current directory when it is relative.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory = getcwd(nil, 0) else { return path }
        defer { free(directory) }
        return String(cString: directory) + "/" + path
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                out += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                return out
            }
        }
    }

    static func readText(_ path: String) -> String? {
        readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(OBuilderError) {
        if mkdir(path, mode) != 0, errno != EEXIST {
            throw OBuilderError(.fileSystem, "cannot create directory \(path): \(errorText())")
        }
    }

    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(OBuilderError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            try makeDirectory(current, mode: mode)
        }
    }

    static func rename(_ source: String, to destination: String) throws(OBuilderError) {
        guard renameFile(source, destination) == 0 else {
            throw OBuilderError(.fileSystem, "cannot rename \(source) to \(destination): \(errorText())")
        }
    }

    /// The kind of file at `path`, without following a final symlink; nil when there is nothing.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Size and modification time (seconds) of the file at `path`, not following a final symlink.
    static func sizeAndModificationTime(_ path: String) -> (size: Int, mtime: Int)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (Int(info.st_size), Int(info.st_mtim.tv_sec))
    }

    static func isDirectory(_ path: String) -> Bool { fileType(path) == S_IFDIR }
    static func exists(_ path: String) -> Bool { fileType(path) != nil }

    /// The names in a directory, sorted, without `.` and `..`.
    static func listDirectory(_ path: String) throws(OBuilderError) -> [String] {
        guard let dir = opendir(path) else {
            throw OBuilderError(.fileSystem, "cannot list \(path): \(errorText())")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Creates a fresh directory `parent/prefixXXXXXX`.
    static func makeTemporaryDirectory(in parent: String, prefix: String) throws(OBuilderError) -> String {
        var template = Array((parent + "/" + prefix + "XXXXXX").utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard result != nil else {
            throw OBuilderError(.fileSystem, "cannot create a directory in \(parent): \(errorText())")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Removes a tree (whatever its owners and modes) with `rm -rf`.
    static func removeTree(_ path: String) async throws(OBuilderError) {
        guard exists(path) else { return }
        try await HelperCommand.check(["rm", "-rf", "--one-file-system", "--", path])
    }

    /// Copies a tree preserving owners, modes, links and timestamps, sharing blocks where the
    /// file system can (`cp -a --reflink=auto`).
    static func copyTree(_ source: String, to destination: String) async throws(OBuilderError) {
        try await HelperCommand.check(["cp", "-a", "--reflink=auto", "--", source, destination])
    }
}

extension OBuilderFileSystem {
    /// The percentage of `path`'s file system that is free, in blocks or inodes, whichever is
    /// lower (computed as OCluster does: 100 − 100·used/(used + available)).
    static func freeSpacePercent(_ path: String) -> Double {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 100 }
        func free(total: UInt, free: UInt, available: UInt) -> Double {
            let used = Double(total) - Double(free)
            let denominator = used + Double(available)
            return denominator <= 0 ? 100 : 100 - 100 * used / denominator
        }
        let blocks = free(total: UInt(info.f_blocks), free: UInt(info.f_bfree), available: UInt(info.f_bavail))
        let inodes = free(total: UInt(info.f_files), free: UInt(info.f_ffree), available: UInt(info.f_favail))
        return min(blocks, inodes)
    }

    /// `path` without its last component.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Whether `name` is an executable found in the helpers' `PATH`.
    static func findExecutable(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for directory in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
            let path = directory + "/" + name
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    /// The file system type magic of `path` (`statfs`'s `f_type`, read with `stat -f`, as Glibc's
    /// module does not export `statfs`), or nil if it cannot be read.
    static func fileSystemType(_ path: String) async -> Int? {
        guard let result = try? await HelperCommand.run(["stat", "-f", "-c", "%t", "--", path]), result.status == 0
        else { return nil }
        return Int(HelperCommand.trimmed(result.output), radix: 16)
    }
}

private func renameFile(_ source: String, _ destination: String) -> Int32 { rename(source, destination) }
