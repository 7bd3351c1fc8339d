// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Mounting and unmounting overlay file systems with the mount(2) system call (needs root).
enum OverlayMount {
    /// The kernel copies mount options into one page; stay below it.
    static let maximumOptionsLength = 4000

    /// Mounts `lower` (topmost first) with an optional writable upper layer at `target`.
    /// Without an upper layer the mount is read-only and needs at least two lower layers.
    static func mount(
        lower: [String],
        upper: String?,
        work: String?,
        at target: String,
        extraOptions: String = ""
    ) throws(OBuilderError) {
        let options = try optionString(lower: lower, upper: upper, work: work) + extraOptions
        let flags: UInt = upper == nil ? UInt(MS_RDONLY) : 0
        guard Glibc.mount("overlay", target, "overlay", flags, options) == 0 else {
            throw OBuilderError(
                .store,
                "cannot mount overlay at \(target): \(OBuilderFileSystem.errorText()) (options \(options))"
            )
        }
    }

    static func optionString(lower: [String], upper: String?, work: String?) throws(OBuilderError) -> String {
        for path in lower + [upper, work].compactMap({ $0 }) where path.contains(where: { ",:\\".contains($0) }) {
            throw OBuilderError(.store, "overlay layer path must not contain ',', ':' or '\\': \(path)")
        }
        var options = "lowerdir=" + lower.joined(separator: ":")
        if let upper, let work { options += ",upperdir=\(upper),workdir=\(work)" }
        return options
    }

    /// Whether the options for these layers fit in a mount call.
    static func fits(lower: [String], upper: String, work: String) -> Bool {
        guard let options = try? optionString(lower: lower, upper: upper, work: work) else { return false }
        return options.utf8.count <= maximumOptionsLength
    }

    /// Unmounts `target`, retrying briefly while it is busy, then detaching it lazily.
    static func unmount(_ target: String) {
        for _ in 0..<20 {
            if umount2(target, 0) == 0 || errno == EINVAL || errno == ENOENT { return }
            if errno != EBUSY { break }
            usleep(50_000)
        }
        _ = umount2(target, Int32(MNT_DETACH))
    }

    /// Mount points at or below `directory`, deepest first, from /proc/self/mountinfo.
    static func mounts(under directory: String) -> [String] {
        guard let text = OBuilderFileSystem.readText("/proc/self/mountinfo") else { return [] }
        var found: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let point = unescapeMountInfo(String(fields[4]))
            if point == directory || point.hasPrefix(directory + "/") { found.append(point) }
        }
        return found.sorted { $0.count > $1.count }
    }

    private static func unescapeMountInfo(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        let raw = Array(text.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count,
                let value = UInt8(String(decoding: raw[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
