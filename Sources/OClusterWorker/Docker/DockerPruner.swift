// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import Logging
import ProcessRunner

/// Decides when Docker's disk is too full and prunes it (`--prune-threshold`,
/// `--docker-max-df-size`).
public struct DockerPruner: Sendable {
    /// When to prune.
    public enum Policy: Sendable, Hashable {
        /// Never check.
        case never
        /// Prune when free blocks or free inodes of Docker's root directory fall below this
        /// percentage (0–100).
        case freePercentBelow(Double)
        /// Prune when the first size `docker system df` reports (images) exceeds this many GB.
        case imagesLargerThan(gigabytes: Double)
    }

    /// Measures free blocks and free inodes (percent) of the file system holding a directory.
    public typealias FreeSpaceMeasure = @Sendable (String) async throws -> (blocks: Double, files: Double)

    public let policy: Policy
    public let configuration: DockerConfiguration
    /// How ``Policy/freePercentBelow(_:)`` measures Docker's root directory: `statvfs` unless
    /// replaced (tests replace it to make a real engine's disk look full).
    public let measureFreeSpace: FreeSpaceMeasure
    static let logger = Logger(label: "ocluster.worker.prune")

    /// - Throws: ``WorkerErrorCode/invalidRequest`` for a percentage outside 0–100.
    public init(
        policy: Policy,
        configuration: DockerConfiguration,
        measureFreeSpace: @escaping FreeSpaceMeasure = { try DockerPruner.freePercent(of: $0) }
    ) throws {
        if case .freePercentBelow(let percent) = policy, !(0...100).contains(percent) {
            throw WorkerError(.invalidRequest, "prune_threshold must be in the range 0 to 100")
        }
        self.policy = policy
        self.configuration = configuration
        self.measureFreeSpace = measureFreeSpace
    }

    /// Whether the disk is short of space now. Failures to measure count as "not short"
    /// (and are logged), as a broken `docker info` must not stop the worker taking jobs.
    public func isSpaceLow() async -> Bool {
        switch policy {
        case .never:
            return false
        case .freePercentBelow(let threshold):
            do {
                let root = try await ChildProcess.output(
                    configuration.command("docker-info", ["info", "-f", "{{.DockerRootDir}}"])
                ).trimmingCharacters(in: .whitespacesAndNewlines)
                let free = try await measureFreeSpace(root)
                Self.logger.info("Docker partition: \(Int(free.blocks))% free blocks, \(Int(free.files))% free files")
                return min(free.blocks, free.files) < threshold
            } catch {
                Self.logger.warning("Cannot check Docker's free space: \(error)")
                return false
            }
        case .imagesLargerThan(let limit):
            do {
                let output = try await ChildProcess.output(
                    configuration.command("docker-df", ["system", "df", "--format", "{{.Size}}"])
                )
                let first = output.split(separator: "\n").first.map(String.init) ?? ""
                guard let size = Self.gigabytes(first) else {
                    Self.logger.info("Failed to calculate max df size from \(first)")
                    return false
                }
                Self.logger.info("Docker images take up \(size)GB")
                return size > limit
            } catch {
                Self.logger.warning("Cannot check Docker's disk use: \(error)")
                return false
            }
        }
    }

    /// `docker system prune -af`, then `docker builder prune -af`.
    ///
    /// - Throws: ``WorkerErrorCode/commandFailed`` when either fails.
    public func prune(log: LogData? = nil) async throws {
        try await ChildProcess.check(
            configuration.command("docker-prune", ["system", "prune", "-af"]),
            log: log,
            cancel: nil
        )
        try await ChildProcess.check(
            configuration.command("docker-builder-prune", ["builder", "prune", "-af"]),
            log: log,
            cancel: nil
        )
    }

    /// Free blocks and free inodes of the file system holding `path`, in percent, computed as
    /// ocluster does: `100 − 100·used/(used + available)` with `used = total − free`.
    public static func freePercent(of path: String) throws -> (blocks: Double, files: Double) {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            throw WorkerError(.fileSystem, "statvfs \(path): \(String(cString: strerror(errno)))")
        }
        func percent(total: UInt, free: UInt, available: UInt) -> Double {
            let used = Double(total) - Double(free)
            let denominator = used + Double(available)
            return denominator > 0 ? 100 - 100 * used / denominator : 100
        }
        return (
            percent(total: UInt(info.f_blocks), free: UInt(info.f_bfree), available: UInt(info.f_bavail)),
            percent(total: UInt(info.f_files), free: UInt(info.f_ffree), available: UInt(info.f_favail))
        )
    }

    /// Parses a `docker system df` size (`1.5GB`, `300MB`, `12kB`, `7B`) into gigabytes
    /// (decimal units, as ocluster's `convert_memory_string`, plus Docker's lowercase `kB`).
    public static func gigabytes(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("GB", 1), ("MB", 1e-3), ("KB", 1e-6), ("kB", 1e-6), ("B", 1e-9)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value >= 0 else { return nil }
            return value * scale
        }
        return nil
    }
}
