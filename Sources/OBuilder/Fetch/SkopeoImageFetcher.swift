// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Fetches base images without a Docker engine: `skopeo inspect` resolves a reference to its
/// digest and environment, `skopeo copy` downloads the image into an OCI layout and
/// `umoci raw unpack` applies its layers (whiteouts included) to the root file system.
public struct SkopeoImageFetcher: ImageFetcher {
    public let configuration: RegistryConfiguration
    public let skopeo: String
    public let umoci: String

    public init(
        configuration: RegistryConfiguration = RegistryConfiguration(),
        skopeo: String = "skopeo",
        umoci: String = "umoci"
    ) {
        self.configuration = configuration
        self.skopeo = skopeo
        self.umoci = umoci
    }

    /// `skopeo` options for reaching `reference`'s registry; `direction` is `src` or `dest`,
    /// empty for `inspect`.
    func registryOptions(_ reference: ImageReference, direction: String = "") -> [String] {
        let prefix = direction.isEmpty ? "--" : "--\(direction)-"
        var options: [String] = []
        if configuration.isInsecure(reference) { options.append(prefix + "tls-verify=false") }
        if let authFile = configuration.authFile { options += [prefix + "authfile", authFile] }
        return options
    }

    public func resolve(
        _ reference: ImageReference,
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) -> ResolvedImage {
        let source = configuration.source(for: reference)
        // The digest, then the environment, NUL-separated (as OBuilder reads `docker inspect`).
        let format = "{{.Digest}}{{range .Env}}{{print \"\\x00\" .}}{{end}}"
        let result = try await FetchCommand.run(
            [skopeo, "inspect"] + registryOptions(source) + ["--format", format, "docker://\(source)"],
            collectOutput: true,
            log: { _ in }
        )
        guard result.status == 0 else { throw Self.error(result, reference: reference) }
        var fields = String(decoding: result.output, as: UTF8.self).split(
            separator: "\0",
            omittingEmptySubsequences: false
        )
        .map(String.init)
        if let last = fields.last, last.hasSuffix("\n") { fields[fields.count - 1].removeLast() }
        guard let digest = fields.first, digest.hasPrefix("sha256:"), digest.count == 71 else {
            throw OBuilderError(.imageFetch, "skopeo inspect gave no digest for \(reference)")
        }
        return ResolvedImage(
            reference: source.pinned(to: digest),
            digest: digest,
            environment: fields.dropFirst().filter { $0.contains("=") }
        )
    }

    public func fetch(
        _ image: ResolvedImage,
        into rootfs: String,
        scratch: String,
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) {
        let layout = try OBuilderFileSystem.makeTemporaryDirectory(in: scratch, prefix: "fetch-")
        do throws(OBuilderError) {
            let copy = try await FetchCommand.run(
                [skopeo, "copy"] + registryOptions(image.reference, direction: "src")
                    + ["docker://\(image.reference)", "oci:\(layout)/image:base"],
                log: log
            )
            guard copy.status == 0 else { throw Self.error(copy, reference: image.reference) }
            let unpack = try await FetchCommand.run(
                [umoci, "raw", "unpack", "--image", "\(layout)/image:base", rootfs],
                log: log
            )
            guard unpack.status == 0 else {
                throw OBuilderError(.imageFetch, "extracting \(image.reference) failed: \(unpack.reason)")
            }
        } catch {
            try? await OBuilderFileSystem.removeTree(layout)
            throw error
        }
        try await OBuilderFileSystem.removeTree(layout)
    }

    /// A failed `skopeo` run as an error: a missing image or tag is the spec's fault, anything
    /// else (registry down, bad credentials, corrupt blob) the fetch's.
    static func error(_ result: FetchCommand.Result, reference: ImageReference) -> OBuilderError {
        let reason = result.reason
        let missing = ["manifest unknown", "name unknown", "not found", "repository name not known"]
        if missing.contains(where: { reason.contains($0) }) {
            return OBuilderError(.unknownBaseImage, "image \(reference) not found: \(reason)")
        }
        return OBuilderError(.imageFetch, "cannot fetch image \(reference): \(reason)")
    }
}
