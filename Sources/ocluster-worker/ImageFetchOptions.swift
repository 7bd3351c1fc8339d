// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OBuilder

/// How OBuilder's `(from IMAGE)` images are fetched (this port's; ocluster always uses Docker).
struct ImageFetchOptions: ParsableArguments {
    @Option(
        name: .customLong("obuilder-fetch"),
        help: ArgumentHelp(
            "How (from IMAGE) images not in --obuilder-base-images are fetched: skopeo (skopeo copy + umoci, "
                + "no Docker engine needed) or docker (docker pull/create/export, as ocluster).",
            valueName: "FETCHER"
        )
    )
    var fetch = "skopeo"

    @Option(
        name: .customLong("obuilder-registry-mirror"),
        help: ArgumentHelp(
            "Fetch Docker Hub images (e.g. busybox, ocaml/opam) from this registry instead, as "
                + "MIRROR/library/busybox, like dockerd's registry-mirrors.",
            valueName: "HOST[:PORT]"
        )
    )
    var mirror: String?

    @Option(
        name: .customLong("obuilder-insecure-registry"),
        parsing: .singleValue,
        help: ArgumentHelp(
            "A registry reached over plain HTTP or unverified TLS (repeatable), like dockerd's --insecure-registry. "
                + "Registries on 127.0.0.0/8 and localhost always are.",
            valueName: "HOST[:PORT]"
        )
    )
    var insecureRegistries: [String] = []

    @Option(
        name: .customLong("obuilder-registry-auth"),
        help: ArgumentHelp(
            "Registry credentials in Docker's config.json format (as written by 'docker login' or "
                + "'skopeo login --authfile'). Default: $REGISTRY_AUTH_FILE, then $HOME/.docker/config.json.",
            valueName: "FILE"
        )
    )
    var authFile: String?

    func validate() throws {
        guard ["skopeo", "docker"].contains(fetch) else {
            throw ValidationError("--obuilder-fetch must be skopeo or docker")
        }
        for host in insecureRegistries + (mirror.map { [$0] } ?? []) {
            guard (try? ImageReference(parsing: host + "/probe")) != nil, !host.contains("/") else {
                throw ValidationError("Invalid registry \"\(host)\": expected HOST or HOST:PORT")
            }
        }
    }

    /// The fetcher these options select; `docker` is the client --docker names.
    func fetcher(docker: String) -> any ImageFetcher {
        let configuration = RegistryConfiguration(
            mirror: mirror,
            insecureRegistries: Set(insecureRegistries),
            authFile: authFile
        )
        if fetch == "docker" { return DockerImageFetcher(configuration: configuration, docker: docker) }
        return SkopeoImageFetcher(configuration: configuration)
    }
}
