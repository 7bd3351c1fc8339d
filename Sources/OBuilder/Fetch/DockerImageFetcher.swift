// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner

/// Fetches base images through a Docker engine, as OBuilder's `Docker_extract`: `docker pull`,
/// then `docker create` and `docker export` piped into `tar -x`, and the environment from
/// `docker image inspect`. Images are keyed by the engine's image id (its config digest).
/// Registry mirrors, insecure registries and credentials are the engine's configuration
/// (`daemon.json`, `docker login`), apart from ``RegistryConfiguration/mirror``.
public struct DockerImageFetcher: ImageFetcher {
    public let configuration: RegistryConfiguration
    /// The docker client to run.
    public let docker: String
    /// Added to the client's environment, e.g. `DOCKER_HOST`.
    public let environment: [String: String]

    public init(
        configuration: RegistryConfiguration = RegistryConfiguration(),
        docker: String = "docker",
        environment: [String: String] = [:]
    ) {
        self.configuration = configuration
        self.docker = docker
        self.environment = environment
    }

    public func resolve(
        _ reference: ImageReference,
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) -> ResolvedImage {
        let source = configuration.source(for: reference)
        let pull = try await FetchCommand.run(
            [docker, "pull", "--", source.description],
            environment: environment,
            log: log
        )
        guard pull.status == 0 else { throw SkopeoImageFetcher.error(pull, reference: reference) }
        let format = "{{.Id}}{{range .Config.Env}}{{print \"\\x00\" .}}{{end}}"
        let inspect = try await FetchCommand.run(
            [docker, "image", "inspect", "--format", format, "--", source.description],
            collectOutput: true,
            environment: environment,
            log: log
        )
        guard inspect.status == 0 else {
            throw OBuilderError(.imageFetch, "docker image inspect \(source) failed: \(inspect.reason)")
        }
        var fields = String(decoding: inspect.output, as: UTF8.self).split(
            separator: "\0",
            omittingEmptySubsequences: false
        )
        .map(String.init)
        if let last = fields.last, last.hasSuffix("\n") { fields[fields.count - 1].removeLast() }
        guard let id = fields.first, id.hasPrefix("sha256:") else {
            throw OBuilderError(.imageFetch, "docker image inspect gave no id for \(source)")
        }
        return ResolvedImage(reference: source, digest: id, environment: fields.dropFirst().filter { $0.contains("=") })
    }

    public func fetch(
        _ image: ResolvedImage,
        into rootfs: String,
        scratch: String,
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) {
        // The image id, not the name: the tag may have moved since it was resolved. A command,
        // never run, because `docker create` refuses an image without CMD (a `docker import`).
        let create = try await FetchCommand.run(
            [docker, "create", "--", image.digest, "/obuilder-export"],
            collectOutput: true,
            environment: environment,
            log: log
        )
        let container = String(decoding: create.output, as: UTF8.self).split(whereSeparator: \.isWhitespace).last
            .map(String.init)
        guard create.status == 0, let container else {
            throw OBuilderError(.imageFetch, "docker create \(image.reference) failed: \(create.reason)")
        }
        // bash for pipefail: a failed export must fail the fetch even though tar read a prefix.
        let export = try? await FetchCommand.run(
            [
                "bash", "-o", "pipefail", "-c", "\"$1\" export -- \"$2\" | tar -x -C \"$3\" -f -", "export",
                docker, container, rootfs,
            ],
            environment: environment,
            log: log
        )
        _ = try? await FetchCommand.run(
            [docker, "rm", "--force", "--", container],
            collectOutput: true,
            onCancel: .ignore,
            environment: environment,
            log: { _ in }
        )
        guard let export, export.status == 0 else {
            throw OBuilderError(.imageFetch, "exporting \(image.reference) failed: \(export?.reason ?? "cancelled")")
        }
    }
}
