// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// The files one `copy` source names, with content hashes, so that a copy step's snapshot id
/// changes exactly when the copied content does (OBuilder's `Manifest`).
///
/// Paths are relative to the source directory. Symlinks are recorded, never followed.
indirect enum CopyManifest: Hashable, Sendable {
    case file(path: String, sha256: String, executable: Bool)
    case symlink(path: String, target: String)
    case directory(path: String, entries: [CopyManifest])

    var path: String {
        switch self {
        case .file(let path, _, _), .symlink(let path, _), .directory(let path, _): path
        }
    }

    /// The last path component ("." for the source directory itself).
    var baseName: String {
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty ? "." : name
    }

    var expression: SExpression {
        switch self {
        case .file(let path, let hash, let executable):
            .list([.atom("file"), .atom(path), .atom(hash), .atom(executable ? "x" : "-")])
        case .symlink(let path, let target):
            .list([.atom("symlink"), .atom(path), .atom(target)])
        case .directory(let path, let entries):
            .list([.atom("dir"), .atom(path), .list(entries.map(\.expression))])
        }
    }

    /// Scans `source` (a `/`-separated path relative to `directory`), leaving out entries whose
    /// base name is in `exclude`. Intermediate path components must be real directories, and
    /// `..` is refused, so the scan never leaves `directory`.
    static func generate(source: String, in directory: String, exclude: [String]) throws(OBuilderError) -> CopyManifest
    {
        var components: [String] = []
        let parts = source.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (index, part) in parts.enumerated() where !part.isEmpty && part != "." {
            guard part != ".." else {
                throw OBuilderError(.invalidCopy, "Can't use .. in source paths! (in \"\(source)\")")
            }
            components.append(part)
            let path = directory + "/" + components.joined(separator: "/")
            guard let type = OBuilderFileSystem.fileType(path) else {
                throw OBuilderError(.invalidCopy, "Source path \"\(source)\" not found")
            }
            let isLast = parts[(index + 1)...].allSatisfy { $0.isEmpty || $0 == "." }
            if type == S_IFDIR { continue }
            if isLast, type == S_IFREG || type == S_IFLNK { continue }
            let shown = components.joined(separator: "/")
            throw OBuilderError(
                .invalidCopy,
                type == S_IFREG
                    ? "Not a directory: \(shown) (in \"\(source)\")" : "Not a regular file: \(shown) (in \"\(source)\")"
            )
        }
        return try scan(components.joined(separator: "/"), in: directory, exclude: Set(exclude))
    }

    private static func scan(
        _ relative: String,
        in directory: String,
        exclude: Set<String>
    ) throws(OBuilderError)
        -> CopyManifest
    {
        let path = relative.isEmpty ? directory : directory + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw OBuilderError(.invalidCopy, "File \"\(relative)\" not found in source directory")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            var entries: [CopyManifest] = []
            for name in try OBuilderFileSystem.listDirectory(path) where !exclude.contains(name) {
                entries.append(
                    try scan(relative.isEmpty ? name : relative + "/" + name, in: directory, exclude: exclude)
                )
            }
            return .directory(path: relative, entries: entries)
        case S_IFREG:
            return .file(path: relative, sha256: try hashFile(path), executable: info.st_mode & 0o111 != 0)
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(path, &buffer, buffer.count - 1)
            guard count >= 0 else {
                throw OBuilderError(.fileSystem, "cannot read link \(path): \(OBuilderFileSystem.errorText())")
            }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .symlink(path: relative, target: target)
        default:
            throw OBuilderError(.invalidCopy, "Unsupported file type for \"\(relative)\"")
        }
    }

    static func hashFile(_ path: String) throws(OBuilderError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw OBuilderError(.fileSystem, "cannot open \(path): \(OBuilderFileSystem.errorText())")
        }
        defer { close(fd) }
        var hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw OBuilderError(.fileSystem, "cannot read \(path): \(OBuilderFileSystem.errorText())")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return hasher.finalizeHex()
    }
}
