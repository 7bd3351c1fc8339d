// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import TestSupport
import Testing

@testable import OClusterScheduler

/// The state directory on a small ext4 of its own (a loop device; needs root, mkfs.ext4 and fsfreeze): a
/// full disk and a frozen one reach the administrator as errors, change nothing, and do not stop the
/// scheduler. With `CI` set these run, and fail, whatever is missing.
@Suite(.serialized, .enabled(if: StateDisk.shouldRun, "needs root, mkfs.ext4 and fsfreeze"))
struct StateDiskTests {
    /// A full file system: the pause fails with SQLite's message and is not there after a restart either.
    @Test func aFullDiskFailsThePause() async throws {
        try await StateDisk.with { mountPoint in
            let state = mountPoint + "/state"
            let store = try SchedulerStore(stateDirectory: state)
            let scheduler = try Scheduler(pools: ["pool"], store: store)
            try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: true, autoCreate: true)
            try StateDisk.fill(mountPoint)

            let error = await #expect(throws: SchedulerError.self) {
                try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
            }
            #expect(error?.code == .store)
            #expect(error?.message.contains("full") == true)
            #expect(try await !scheduler.show(pool: "pool").contains("paused"))

            try StateDisk.free(mountPoint)
            try store.close()
            let reopened = try SchedulerStore(stateDirectory: state)
            #expect(try reopened.loadPool("pool").workers == ["w1": false])
            try reopened.close()
        }
    }

    /// A frozen file system: the pause times out with a clear error while `show` answers at once; after the
    /// thaw, a pause goes through.
    @Test func aFrozenDiskTimesOutThePause() async throws {
        try await StateDisk.with { mountPoint in
            let store = try SchedulerStore(stateDirectory: mountPoint + "/state")
            var configuration = Scheduler.Configuration()
            configuration.databaseWriteTimeout = .milliseconds(500)
            let scheduler = try Scheduler(pools: ["pool"], store: store, configuration: configuration)
            try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: true, autoCreate: true)

            try StateDisk.run(["fsfreeze", "-f", mountPoint])
            do {
                let pause = Task {
                    try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
                }
                // Answered while the disk stays frozen (it is thawed only below).
                for _ in 0..<10 {
                    #expect(try await scheduler.show(pool: "pool").contains("w1"))
                }
                let error = await #expect(throws: SchedulerError.self) { try await pause.value }
                #expect(error?.code == .timeout)
                #expect(error?.message.contains("did not complete within 0.5s") == true)
            } catch {
                try? StateDisk.run(["fsfreeze", "-u", mountPoint])
                throw error
            }
            try StateDisk.run(["fsfreeze", "-u", mountPoint])

            try await scheduler.setAdminActive(pool: "pool", worker: "w1", active: false, autoCreate: false)
            #expect(try await scheduler.show(pool: "pool").contains("w1 (paused)"))
            #expect(try store.loadPool("pool").workers == ["w1": true])
            try store.close()
        }
    }
}

/// A 16 MiB ext4 (no blocks reserved for root) on a loop device, for one test.
enum StateDisk {
    static let tools = ["truncate", "mkfs.ext4", "mount", "umount", "fsfreeze"]

    static var shouldRun: Bool {
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }
        return getuid() == 0 && tools.allSatisfy { path($0) != nil }
    }

    static func path(_ tool: String) -> String? {
        ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + tool }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ arguments: [String]) throws {
        guard let tool = path(arguments[0]) else { throw StateDiskError("\(arguments[0]) is not installed") }
        // No pipe: Foundation's reads of one trap on EINTR, which other tests' children cause.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StateDiskError("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }

    static func with(_ body: (String) async throws -> Void) async throws {
        guard getuid() == 0 else { throw StateDiskError("needs root") }
        let base = FileManager.default.temporaryDirectory.path + "/state-disk-\(UUID().uuidString.prefix(8))"
        try run(["truncate", "-s", "16M", base + ".img"])
        defer { try? FileManager.default.removeItem(atPath: base + ".img") }
        try run(["mkfs.ext4", "-q", "-m", "0", base + ".img"])
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try run(["mount", "-o", "loop", base + ".img", base])
        defer { try? run(["umount", base]) }
        try await body(base)
    }

    /// Writes zeros to `mountPoint/fill` until the file system has no block left.
    static func fill(_ mountPoint: String) throws {
        guard let file = FileHandle(forWritingAtPath: mountPoint + "/fill") ?? create(mountPoint + "/fill") else {
            throw StateDiskError("cannot create \(mountPoint)/fill")
        }
        defer { try? file.close() }
        for size in [1 << 20, 4096] {
            let chunk = Data(count: size)
            while (try? file.write(contentsOf: chunk)) != nil {}
        }
        try? file.synchronize()
        // ext4 keeps a few blocks from delayed-allocation writes; fallocate takes them.
        for index in 0..<8 {
            var info = statvfs()
            guard statvfs(mountPoint, &info) == 0, info.f_bavail > 0 else { return }
            let fd = open(mountPoint + "/fill-\(index)", O_CREAT | O_WRONLY, 0o644)
            guard fd >= 0 else { return }
            defer { close(fd) }
            let size = Int(info.f_bavail) * Int(info.f_frsize)
            if posix_fallocate(fd, 0, off_t(size)) != 0 { _ = posix_fallocate(fd, 0, off_t(info.f_frsize)) }
        }
    }

    /// Deletes what `fill` wrote and returns once the space can be allocated again. ext4 reuses blocks freed
    /// by a delete only after its journal commits, so a write just after the delete can still fail for want of
    /// space; `sync` commits it.
    static func free(_ mountPoint: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: mountPoint) where name.hasPrefix("fill") {
            try FileManager.default.removeItem(atPath: mountPoint + "/" + name)
        }
        for _ in 0..<100 {
            sync()
            var info = statvfs()
            if statvfs(mountPoint, &info) == 0, Int(info.f_bavail) * Int(info.f_frsize) >= 8 << 20 { return }
        }
        throw StateDiskError("\(mountPoint): the deleted files' space did not become free")
    }

    private static func create(_ path: String) -> FileHandle? {
        FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
    }
}

struct StateDiskError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
