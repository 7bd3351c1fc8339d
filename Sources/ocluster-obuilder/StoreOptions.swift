// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OBuilder
import OClusterWorker

/// The store and base-image options every store-using command takes (obuilder's `Store_spec`
/// terms, plus this port's base-image fetching, named as the worker's without `obuilder-`).
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("store"),
        help: ArgumentHelp(
            "The OBuilder store, as the worker's --obuilder-store: overlayfs:/path or rsync:/path.",
            valueName: "STORE"
        )
    )
    var store: String

    @Option(
        name: .customLong("rsync-mode"),
        help: ArgumentHelp(
            "copy, hardlink or hardlink_unsafe (required with an rsync: store).",
            valueName: "RSYNC_MODE"
        )
    )
    var rsyncMode: String?

    @Option(
        name: .customLong("base-images"),
        help: ArgumentHelp(
            "Directory of base images used before the registry (default: STORE-PATH/base-images).",
            valueName: "DIR"
        )
    )
    var baseImages: String?

    @Option(name: .customLong("fetch"), help: ArgumentHelp("skopeo or docker.", valueName: "FETCHER"))
    var fetch = "skopeo"

    @Option(
        name: .customLong("registry-mirror"),
        help: ArgumentHelp("Fetch Docker Hub images from this registry instead.", valueName: "HOST[:PORT]")
    )
    var mirror: String?

    @Option(
        name: .customLong("insecure-registry"),
        parsing: .singleValue,
        help: ArgumentHelp("A registry reached over plain HTTP (repeatable).", valueName: "HOST[:PORT]")
    )
    var insecureRegistries: [String] = []

    @Option(
        name: .customLong("registry-auth"),
        help: ArgumentHelp("Registry credentials in Docker's config.json format.", valueName: "FILE")
    )
    var authFile: String?

    func validate() throws {
        guard ["skopeo", "docker"].contains(fetch) else { throw ValidationError("--fetch must be skopeo or docker") }
        let kind = store.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        if kind == "rsync", rsyncMode == nil { throw ValidationError("Store rsync:/ must supply an rsync-mode") }
        if let rsyncMode, rsyncMode != "copy" {
            throw ValidationError("--rsync-mode \(rsyncMode) is not supported yet (use copy)")
        }
    }

    /// Opens the store, its runc sandbox (state under STORE-PATH/sandbox) and the fetcher.
    func open() async throws -> OBuilderTool {
        let path = String(store.split(separator: ":", maxSplits: 1).last ?? "")
        let configuration = RegistryConfiguration(
            mirror: mirror,
            insecureRegistries: Set(insecureRegistries),
            authFile: authFile
        )
        let fetcher: any ImageFetcher =
            fetch == "docker"
            ? DockerImageFetcher(configuration: configuration) : SkopeoImageFetcher(configuration: configuration)
        let backend = try await OBuilderJobBackend.open(
            store: store,
            sandboxDirectory: path + "/sandbox",
            baseImages: baseImages ?? path + "/base-images",
            fetcher: fetcher
        )
        return OBuilderTool(backend: backend)
    }
}
