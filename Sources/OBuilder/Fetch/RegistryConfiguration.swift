// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// How base images are fetched from registries: a mirror for Docker Hub names, registries
/// reached over plain HTTP, and credentials.
public struct RegistryConfiguration: Hashable, Sendable {
    /// `HOST[:PORT]` serving Docker Hub images (`busybox` is fetched as `MIRROR/library/busybox`),
    /// or nil to fetch them from Docker Hub.
    public var mirror: String?
    /// Registries (`HOST[:PORT]`) reached over HTTP or without TLS verification, as dockerd's
    /// `--insecure-registry`. Registries on 127.0.0.0/8 and `localhost` always are, as in dockerd.
    public var insecureRegistries: Set<String>
    /// A credentials file in Docker's `config.json` format (`{"auths": {…}}`), or nil for the
    /// tools' defaults (`$REGISTRY_AUTH_FILE`, `$HOME/.docker/config.json`).
    public var authFile: String?

    public init(mirror: String? = nil, insecureRegistries: Set<String> = [], authFile: String? = nil) {
        self.mirror = mirror
        self.insecureRegistries = insecureRegistries
        self.authFile = authFile
    }

    /// The reference to fetch for `reference`: on the mirror for Docker Hub images when one is set.
    public func source(for reference: ImageReference) -> ImageReference {
        guard let mirror else { return reference }
        return reference.onMirror(mirror)
    }

    /// Whether TLS is not required for `reference`'s registry.
    public func isInsecure(_ reference: ImageReference) -> Bool {
        guard let registry = reference.registry else { return false }
        return reference.isLoopback || insecureRegistries.contains(registry)
    }
}
