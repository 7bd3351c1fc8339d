// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterCLISupport
import OClusterWorker

/// Docker-related options: ocluster's, plus the offline switches this port adds.
struct DockerOptions: ParsableArguments {
    @Option(
        name: .customLong("allow-push"),
        parsing: .singleValue,
        help: ArgumentHelp(
            "Docker repositories to which users can push (comma-separated; repeatable).",
            valueName: "REPO"
        )
    )
    var allowPush: [String] = []

    @Option(
        name: .customLong("prune-threshold"),
        help: ArgumentHelp(
            "Run 'docker system prune' when Docker's root directory's free space falls below this (0-100). "
                + "Without a partition of its own for Docker, use --docker-max-df-size.",
            valueName: "PERCENTAGE"
        )
    )
    var pruneThreshold: Double?

    @Option(
        name: .customLong("docker-max-df-size"),
        help: ArgumentHelp(
            "Prune when the images' size reported by 'docker system df' exceeds this (only without --prune-threshold).",
            valueName: "GIGABYTES"
        )
    )
    var dockerMaxDFSize: Double?

    @Option(name: .customLong("docker"), help: ArgumentHelp("The docker client to run.", valueName: "PROGRAM"))
    var docker = "docker"

    @Flag(
        inversion: .prefixedNo,
        help: "Pass --pull to 'docker build' (as ocluster does). Use --no-docker-pull where no registry is reachable."
    )
    var dockerPull = true

    @Option(
        name: .customLong("docker-build-network"),
        help: ArgumentHelp(
            "Network for 'docker build --network' (BuildKit on a daemon without a bridge needs none or host).",
            valueName: "NET"
        )
    )
    var dockerBuildNetwork: String?

    func validate() throws {
        if let pruneThreshold, !(0...100).contains(pruneThreshold) {
            throw ValidationError("--prune-threshold must be in the range 0 to 100")
        }
    }

    var configuration: DockerConfiguration {
        DockerConfiguration(
            executable: docker,
            pull: dockerPull,
            network: dockerBuildNetwork,
            allowPush: Set(allowPush.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty })
        )
    }

    var prunePolicy: DockerPruner.Policy {
        if let pruneThreshold { return .freePercentBelow(pruneThreshold) }
        if let dockerMaxDFSize { return .imagesLargerThan(gigabytes: dockerMaxDFSize) }
        return .never
    }
}

/// OBuilder options, named as ocluster's.
struct OBuilderOptions: ParsableArguments {
    @Option(
        name: .customLong("obuilder-store"),
        help: ArgumentHelp(
            "Enable OBuilder jobs with this store: one of btrfs:/path, rsync:/path, xfs:/path, overlayfs:/path, "
                + "zfs:pool, qemu:/path, hcs:path or docker:path, as ocluster (see the README for the ones this "
                + "worker runs).",
            valueName: "STORE"
        )
    )
    var store: String?

    @Option(
        name: .customLong("rsync-mode"),
        help: ArgumentHelp(
            "Optimize for speed or low disk usage. RSYNC_MODE must be one of copy, hardlink or hardlink_unsafe "
                + "(required with an rsync: store).",
            valueName: "RSYNC_MODE"
        )
    )
    var rsyncMode: String?

    @Option(
        name: .customLong("obuilder-base-images"),
        help: ArgumentHelp(
            "Directory of base images for (from NAME), made with scripts/make-base-image.sh, used before the registry (default: STORE-PATH/base-images).",
            valueName: "DIR"
        )
    )
    var baseImages: String?

    @Option(
        name: .customLong("obuilder-prune-threshold"),
        help: ArgumentHelp(
            "Prune the OBuilder store when its free space falls below this (0-100).",
            valueName: "PERCENTAGE"
        )
    )
    var pruneThreshold = 30.0

    @Option(
        name: .customLong("obuilder-prune-limit"),
        help: ArgumentHelp("Number of items to prune from OBuilder when the threshold is reached.", valueName: "ITEMS")
    )
    var pruneLimit = 100

    @Option(
        name: .customLong("obuilder-healthcheck"),
        help: ArgumentHelp("Seconds between OBuilder health checks; 0 disables them.", valueName: "SECONDS")
    )
    var healthcheck = 600.0

    /// The store's kind (`btrfs`, `rsync`, …) and path, checked as obuilder's `Store_spec.of_string`
    /// and `of_t` do, with their messages.
    func storeSpec() throws -> (kind: String, path: String)? {
        if let rsyncMode, !["copy", "hardlink", "hardlink_unsafe"].contains(rsyncMode) {
            throw ValidationError(
                "option '--rsync-mode': invalid value '\(rsyncMode)', expected one of 'copy', 'hardlink' or 'hardlink_unsafe'"
            )
        }
        guard let store else {
            if rsyncMode != nil { throw ValidationError(Self.storeRequired) }
            return nil
        }
        let parts = store.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let absolute = ["btrfs", "rsync", "xfs", "overlayfs"]
        guard parts.count == 2,
            ["zfs", "docker", "qemu", "hcs"].contains(parts[0])
                || (absolute.contains(parts[0]) && parts[1].hasPrefix("/"))
        else {
            throw ValidationError(
                "option '--obuilder-store': Store must start with zfs:, btrfs:/, rsync:/, xfs:/, qemu:/, hcs: or overlayfs:"
            )
        }
        switch (parts[0], rsyncMode) {
        case ("rsync", nil): throw ValidationError("Store rsync:/ must supply an rsync-mode")
        case ("rsync", _), (_, nil): return (parts[0], parts[1])
        default: throw ValidationError(Self.storeRequired)
        }
    }

    static let storeRequired =
        "Store type required must be one of btrfs:/path, rsync:/path, xfs:/path, zfs:pool, qemu:/path, hcs:path or docker:path for the OBuilder cache."

    func validate() throws {
        _ = try storeSpec()
        guard (0...100).contains(pruneThreshold) else {
            throw ValidationError("--obuilder-prune-threshold must be in the range 0 to 100")
        }
        guard pruneLimit > 0 else { throw ValidationError("--obuilder-prune-limit must be positive") }
        try SecondsFlag.validate(healthcheck, flag: "--obuilder-healthcheck")
    }
}

/// `--additional-metrics name:uri,…` parsed into a map; duplicate names are an error.
func parseAdditionalMetrics(_ values: [String]) throws -> [String: String] {
    var metrics: [String: String] = [:]
    for entry in values.flatMap({ $0.split(separator: ",").map(String.init) }) where !entry.isEmpty {
        guard let colon = entry.firstIndex(of: ":") else {
            throw ValidationError("Malformed additional metric \(entry)")
        }
        let name = String(entry[..<colon])
        guard metrics[name] == nil else { throw ValidationError("Duplicate additional metrics name: \(name)") }
        metrics[name] = String(entry[entry.index(after: colon)...])
    }
    return metrics
}
