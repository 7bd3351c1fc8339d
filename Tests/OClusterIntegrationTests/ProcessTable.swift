// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

/// What /proc says about the processes a test started.
enum ProcessTable {
    /// Every process id on the machine.
    static var all: [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }

    /// The command line of `pid`, its arguments joined by spaces ("" once it is gone).
    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// The parent of `pid`, from /proc/PID/stat (whose second field, the name, may hold spaces).
    static func parent(of pid: Int32) -> Int32? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    static func children(of pid: Int32) -> [Int32] {
        all.filter { parent(of: $0) == pid }
    }

    /// Processes whose command line contains `marker`.
    static func processes(containing marker: String) -> [Int32] {
        all.filter { commandLine($0).contains(marker) }
    }

    /// What the descriptors of `pid` numbered `from` or more refer to, for those that name one
    /// object (`socket:[INODE]`, `pipe:[INODE]`).
    static func sockets(andPipesOf pid: Int32, from first: Int32 = 0) -> Set<String> {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Set(
            entries.filter { (Int32($0) ?? -1) >= first }.compactMap { entry in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + entry)
                else { return nil }
                return target.hasPrefix("socket:") || target.hasPrefix("pipe:") ? target : nil
            }
        )
    }
}
