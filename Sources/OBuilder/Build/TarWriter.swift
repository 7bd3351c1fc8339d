// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Writes a GNU tar stream of ``CopyManifest`` entries to a socket, as OBuilder's
/// `Tar_transfer` does: every entry owned by the copying user, files 0755 if executable else
/// 0644, directories 0755, symlinks 0777; names longer than 100 bytes use GNU `L`/`K` records.
struct TarWriter {
    private let fd: Int32
    private let uid: Int
    private let gid: Int

    init(socket fd: Int32, uid: Int, gid: Int) {
        self.fd = fd
        self.uid = uid
        self.gid = gid
    }

    /// Copies each item in `items` into the directory `destination` (`(dst DIR/)`).
    func sendItems(_ items: [CopyManifest], from directory: String, to destination: String) throws(OBuilderError) {
        let target = Self.normalize(destination)
        for item in items {
            let name = item.baseName == "." ? target : Self.join(target, item.baseName)
            try send(item, from: directory, as: name)
        }
        try finish()
    }

    /// Copies one item as `destination` (`(dst PATH)`).
    func sendItem(_ item: CopyManifest, from directory: String, to destination: String) throws(OBuilderError) {
        try send(item, from: directory, as: Self.normalize(destination))
        try finish()
    }

    private func send(_ item: CopyManifest, from directory: String, as name: String) throws(OBuilderError) {
        let source = item.path.isEmpty ? directory : directory + "/" + item.path
        guard let info = OBuilderFileSystem.sizeAndModificationTime(source) else {
            throw OBuilderError(.invalidCopy, "\(item.path) vanished while copying")
        }
        let mtime = info.mtime
        switch item {
        case .file(_, _, let executable):
            let size = info.size
            try header(name: name, mode: executable ? 0o755 : 0o644, size: size, mtime: mtime, type: "0")
            try sendContents(of: source, size: size)
        case .symlink(_, let target):
            try header(name: name, mode: 0o777, size: 0, mtime: mtime, type: "2", link: target)
        case .directory(_, let entries):
            if !name.isEmpty {
                try header(name: name + "/", mode: 0o755, size: 0, mtime: mtime, type: "5")
            }
            for entry in entries {
                try send(entry, from: directory, as: Self.join(name, entry.baseName))
            }
        }
    }

    private func finish() throws(OBuilderError) { try write([UInt8](repeating: 0, count: 1024)) }

    private static func normalize(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory + "/" + name
    }

    private func header(
        name: String,
        mode: Int,
        size: Int,
        mtime: Int,
        type: Character,
        link: String = ""
    ) throws(OBuilderError) {
        let nameBytes = Array(name.utf8)
        let linkBytes = Array(link.utf8)
        if linkBytes.count > 100 { try longRecord(linkBytes, type: "K") }
        if nameBytes.count > 100 { try longRecord(nameBytes, type: "L") }
        try write(block(name: nameBytes, mode: mode, size: size, mtime: mtime, type: type, link: linkBytes))
    }

    private func longRecord(_ value: [UInt8], type: Character) throws(OBuilderError) {
        let data = value + [0]
        try write(block(name: Array("././@LongLink".utf8), mode: 0, size: data.count, mtime: 0, type: type, link: []))
        try write(data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512))
    }

    private func block(name: [UInt8], mode: Int, size: Int, mtime: Int, type: Character, link: [UInt8]) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func number(_ value: Int, at offset: Int, width: Int) {
            let octal = String(value, radix: 8)
            if octal.count < width {
                put(
                    Array((String(repeating: "0", count: width - 1 - octal.count) + octal).utf8),
                    at: offset,
                    width: width
                )
            } else {
                // GNU base-256 for values too large for octal.
                block[offset] = 0x80
                var remaining = UInt64(value)
                for index in stride(from: offset + width - 1, to: offset, by: -1) {
                    block[index] = UInt8(remaining & 0xFF)
                    remaining >>= 8
                }
            }
        }
        put(name, at: 0, width: 100)
        number(mode, at: 100, width: 8)
        number(uid, at: 108, width: 8)
        number(gid, at: 116, width: 8)
        number(size, at: 124, width: 12)
        number(max(0, mtime), at: 136, width: 12)
        put(Array(String(type).utf8), at: 156, width: 1)
        put(link, at: 157, width: 100)
        put(Array("ustar  ".utf8), at: 257, width: 8)
        put([UInt8](repeating: 0x20, count: 8), at: 148, width: 8)
        let checksum = block.reduce(0) { $0 + Int($1) }
        let text = String(checksum, radix: 8)
        put(Array((String(repeating: "0", count: 6 - min(6, text.count)) + text).utf8) + [0, 0x20], at: 148, width: 8)
        return block
    }

    private func sendContents(of path: String, size: Int) throws(OBuilderError) {
        let file = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard file >= 0 else {
            throw OBuilderError(.fileSystem, "cannot open \(path): \(OBuilderFileSystem.errorText())")
        }
        defer { close(file) }
        var remaining = size
        var buffer = [UInt8](repeating: 0, count: 65536)
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, min($0.count, remaining)) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 {
                // The file shrank since it was measured: pad so the archive stays well formed.
                try write([UInt8](repeating: 0, count: remaining))
                remaining = 0
                break
            }
            try write(Array(buffer[0..<count]))
            remaining -= count
        }
        try write([UInt8](repeating: 0, count: (512 - size % 512) % 512))
    }

    private func write(_ bytes: [UInt8]) throws(OBuilderError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw OBuilderError(.sandbox, "cannot send files to tar: \(OBuilderFileSystem.errorText())")
            }
            offset += sent
        }
    }
}
